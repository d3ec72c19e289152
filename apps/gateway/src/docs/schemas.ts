import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type {
  OperationObject,
  ParameterObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { z } from 'zod';
import { PARTNER_API_COMPONENTS, PartnerApiRoute } from '@concord/contracts';

/**
 * OpenAPI schemas from the contract's zod schemas (libs/contracts, partner-api.ts), by zod's own JSON
 * Schema generator, so that the document says what the code validates and answers.
 */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): SchemaObject {
  const generated = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete generated.$schema;
  return generated as SchemaObject;
}

const componentRef = (name: string) => `#/components/schemas/${name}`;
export const PROBLEM_REF = componentRef('Problem');

/** The named schemas of the document: one per shared view of the contract. */
export function componentSchemas(): Record<string, SchemaObject> {
  return Object.fromEntries(
    Object.entries(PARTNER_API_COMPONENTS).map(([name, schema]) => [name, jsonSchema(schema)]),
  );
}

/** A response schema: a reference when the contract names the schema as a component, else inline. */
export function responseSchema(schema: z.ZodType): SchemaObject | { $ref: string } {
  const named = Object.entries(PARTNER_API_COMPONENTS).find(([, s]) => s === schema);
  return named ? { $ref: componentRef(named[0]) } : jsonSchema(schema);
}

/** The query parameters of a query schema, one per property, in the schema's order. */
export function queryParameters(schema: z.ZodType): ParameterObject[] {
  const object = jsonSchema(schema, 'input') as SchemaObject & {
    properties?: Record<string, SchemaObject>;
    required?: string[];
  };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: 'query',
      required: (object.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const SUCCESS_DESCRIPTIONS: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted',
  '204': 'No content',
};

/**
 * Puts an operation's contract into its OpenAPI operation: the query parameters, the JSON request body and
 * the JSON body of each success response (replacing whatever the decorators said of them), keeping the
 * decorators' prose and other media types (CSV, XML).
 */
export function applyRoute(operation: OperationObject, route: PartnerApiRoute): void {
  const parameters = (operation.parameters ?? []) as ParameterObject[];
  const query = route.query ? queryParameters(route.query) : [];
  operation.parameters = [
    ...parameters.filter((p) => !(p.in === 'query' && query.some((q) => q.name === p.name))),
    ...query,
  ];
  if (route.body) {
    operation.requestBody = {
      required: true,
      content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
    };
  }
  // The generated default (an empty 200 or 201) says nothing: the contract's statuses replace it.
  for (const [status, response] of Object.entries(operation.responses)) {
    const empty = !(response as ResponseObject).content && !(response as ResponseObject).description;
    if (status.startsWith('2') && empty && !(status in route.responses)) delete operation.responses[status];
  }
  for (const [status, schema] of Object.entries(route.responses)) {
    const existing = operation.responses[status] as ResponseObject | undefined;
    const response: ResponseObject = existing ?? { description: SUCCESS_DESCRIPTIONS[status] ?? 'OK' };
    if (schema) {
      response.content = {
        ...response.content,
        'application/json': { ...response.content?.['application/json'], schema: responseSchema(schema) },
      };
    }
    operation.responses[status] = response;
  }
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The request or query is not valid (the fields are named).',
  401: 'Missing, malformed, unknown-key, bad, stale or replayed signature.',
  403: 'The caller may not do this.',
  404: 'No such resource visible to the caller.',
  406: 'None of the accepted media types can be produced.',
  409: 'The id is already used with another body.',
  422: 'Understood but refused (the code says why).',
  429: 'Rate limit: retry after `Retry-After` seconds.',
  503: 'A dependency is unavailable; retry later.',
};

/** The problem+json answers an operation can give. */
export function problemResponses(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
        content: { 'application/problem+json': { schema: { $ref: PROBLEM_REF } } },
      }),
    ),
  );
}
