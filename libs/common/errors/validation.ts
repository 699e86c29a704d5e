import { Injectable, type ArgumentMetadata, type PipeTransform, type Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError, type ValidatorOptions } from 'class-validator';
import { CommonError, CommonErrorCode, type FieldError } from './app-error.js';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Deeper than any body this API takes; past it, walking a value (or transforming it) could exhaust the stack. */
const MAX_DEPTH = 32;

/**
 * The first field of `value` that the API refuses whatever its DTO says — text holding a NUL
 * character (PostgreSQL cannot store one), or a value nested deeper than {@link MAX_DEPTH} — or
 * null. The walk itself stops at that depth.
 */
function refusedField(value: unknown, path: string, depth = 0): FieldError | null {
  if (typeof value === 'string') {
    return value.includes('\u0000')
      ? { field: path, messages: [`${path} must not contain NUL characters.`] }
      : null;
  }
  if (typeof value !== 'object' || value === null) return null;
  if (depth >= MAX_DEPTH) {
    return { field: path, messages: [`${path} is nested deeper than ${MAX_DEPTH} levels.`] };
  }
  for (const [key, item] of Object.entries(value)) {
    const found = refusedField(item, path ? `${path}.${key}` : key, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/** Types a parameter may be declared as that carry no class-validator rules. */
const UNCHECKED = new Set<unknown>([String, Boolean, Number, Array, Object, Buffer, Date]);

const OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  stopAtFirstError: false,
  validationError: { target: false, value: false },
};

/**
 * The global pipe: a body or query string declared as a DTO class is checked against its
 * class-validator rules — unknown fields refused, every invalid field listed by name — and the
 * handler gets an instance of the class (class-transformer applies its `@Type`s). Text holding a
 * NUL character, which PostgreSQL cannot store, is refused too (naming the first such field), so
 * that it never fails a statement shared with other starts, as is a value nested deeper than any
 * body of this API (class-transformer and class-validator recurse: a hostile body 20,000 levels
 * deep exhausted the stack, a 500). Route and custom parameters pass
 * through as they are: every route parameter of this API is a string, and a custom decorator
 * builds its own value.
 *
 * Nest's ValidationPipe does the same for this API at twice the CPU: it also caters for values
 * this API never accepts (binary values, sparse arrays, arrays as bodies) with more passes over
 * every value, and start routes — the hot path — all take a body.
 */
@Injectable()
export class RequestValidationPipe implements PipeTransform {
  transform(value: unknown, { type, metatype }: ArgumentMetadata): unknown {
    if ((type !== 'body' && type !== 'query') || !metatype || UNCHECKED.has(metatype)) {
      return value;
    }
    return this.validated(value ?? {}, type, metatype);
  }

  private async validated(given: unknown, type: 'body' | 'query', metatype: Type): Promise<object> {
    if (typeof given !== 'object' || given === null || Array.isArray(given)) {
      const message = `The ${type === 'body' ? 'request body' : 'query'} must be a JSON object.`;
      throw new CommonError(CommonErrorCode.Validation, message, [
        { field: type, messages: [message] },
      ]);
    }
    const refused = refusedField(given, '');
    if (refused !== null) {
      throw new CommonError(CommonErrorCode.Validation, `Invalid request: ${refused.field}.`, [
        refused,
      ]);
    }
    const dto = plainToInstance(metatype, given) as object;
    const errors = await validate(dto, OPTIONS);
    if (errors.length) {
      const fields = flatten(errors);
      const names = fields.map((f) => f.field).join(', ');
      throw new CommonError(CommonErrorCode.Validation, `Invalid request: ${names}.`, fields);
    }
    return dto;
  }
}
