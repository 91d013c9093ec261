import { destination, pino, type Logger } from 'pino';

/**
 * Structured JSON logs on stderr, so stdout stays free for results. Secrets are redacted by path
 * wherever they might appear in a logged object.
 */
export function newLogger(name: string, level: string): Logger {
  return pino(
    {
      name,
      level,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-api-key"]',
          '*.password',
          '*.connectionString',
          'config.sources[*].password',
        ],
        censor: '[redacted]',
      },
    },
    destination(2),
  );
}
