import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import type { ApiSchema } from './api';
import { CorroborateError } from './errors';
import { openApiDocument } from './openapi';

const ajv = new Ajv2020({ allErrors: true, strict: false });
ajv.addSchema(openApiDocument, 'openapi.json');

function compile<Name extends keyof typeof openApiDocument.components.schemas>(
  schemaName: Name,
): ValidateFunction<ApiSchema<Name>> {
  return ajv.compile<ApiSchema<Name>>({ $ref: `openapi.json#/components/schemas/${schemaName}` });
}

/** Validators compiled from the OpenAPI document's schemas: the one definition of valid input. */
export const validators = {
  SubmitRequest: compile('SubmitRequest'),
  InitParticipants: compile('InitParticipants'),
  ParticipantChange: compile('ParticipantChange'),
  RequestId: compile('RequestId'),
  Status: compile('Status'),
};

/** Returns `value` typed, or throws INVALID_REQUEST naming every offending field. */
export function assertValid<T>(validate: ValidateFunction<T>, value: unknown, what: string): T {
  if (validate(value)) return value;
  throw new CorroborateError(
    'INVALID_REQUEST',
    `${what}: ${describeErrors(validate.errors ?? [])}`,
  );
}

function describeErrors(errors: readonly ErrorObject[]): string {
  // oneOf over read kinds reports every branch; the most specific messages are enough.
  const interesting = errors.filter((error) => error.keyword !== 'oneOf' && error.keyword !== 'if');
  const messages = (interesting.length > 0 ? interesting : errors).map((error) => {
    const path = error.instancePath || '(body)';
    if (error.keyword === 'additionalProperties') {
      return `${path} has unknown field '${String(error.params.additionalProperty)}'`;
    }
    return `${path} ${error.message ?? 'is invalid'}`;
  });
  return [...new Set(messages)].slice(0, 10).join('; ');
}
