import { UploadRequestSchema } from '../core/requests';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'create-upload', deps: getDeps, body: UploadRequestSchema, status: 201 }, ({ deps, body }) =>
  deps.snapshots.createUpload(body.fileName),
);
