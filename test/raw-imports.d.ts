/** Vite's `?raw` imports: the file's text (used to read wrangler.toml in workerd tests). */
declare module '*?raw' {
  const text: string;
  export default text;
}
