export { allowInsecureRequests } from '../core/insecure.ts'
