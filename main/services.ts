// What commands can reach. The composition root (main/app.ts) builds one of these;
// each capability adds its service here.
import type { EventBus } from './events';
import type { ReaderService } from './card/reader-service';
import type { ApiKeyStore } from './api/api-keys';
import type { AuditLog } from './store/audit';
import type { AppConfig } from './config';

export interface Services {
  config: AppConfig;
  events: EventBus;
  readers: ReaderService;
  apiKeys: ApiKeyStore;
  audit: AuditLog;
}
