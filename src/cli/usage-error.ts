// An admin command's own words or flags were wrong: bad usage, exit 2. It prints the same JSON error
// body as an error the operation returned (exit 1), so only its class tells the two apart.
import { AppError } from '../http/index.js';

export class UsageError extends AppError {
  constructor(message: string) {
    super('invalid_request', message);
  }
}
