import { UploadRequestSchema } from '../core/contracts';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'create-upload', body: UploadRequestSchema, status: 201 }, ({ deps, body }) =>
  deps.snapshots.createUpload(body.fileName),
);
