// ua-parser-js 1.x ships no types (2.x does, but is AGPL). This declares the part Edgebear calls.
declare module 'ua-parser-js' {
  interface UAParserBrowser {
    name?: string;
    version?: string;
    major?: string;
  }
  interface UAParserOS {
    name?: string;
    version?: string;
  }
  interface UAParserDevice {
    /** 'mobile', 'tablet', 'console', 'smarttv', 'wearable', 'embedded', or undefined for desktops. */
    type?: string;
    vendor?: string;
    model?: string;
  }
  class UAParser {
    constructor(ua?: string);
    setUA(ua: string): UAParser;
    getBrowser(): UAParserBrowser;
    getOS(): UAParserOS;
    getDevice(): UAParserDevice;
  }
  export default UAParser;
}
