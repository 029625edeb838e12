import { Inject } from '@nestjs/common';
import { APP_CONFIG } from './app-config';

/** Parameter decorator: `constructor(@InjectConfig() config: AppConfig)`. */
export const InjectConfig = () => Inject(APP_CONFIG);
