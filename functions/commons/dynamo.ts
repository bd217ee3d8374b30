/** The container's DynamoDB document client: created in store/clients.ts (traced, once), shared by every adapter. */
export { documentClient } from '../../store/clients';
