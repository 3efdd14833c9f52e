/** The HTTP API's error type; defined with the platform code (workers/http) so both layers share it. */
export { ApiError } from '../workers/http/api-error';
