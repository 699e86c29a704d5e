/**
 * What the simulated Graph refuses on a write, as Graph refuses it, read from the shapes table
 * (`#libs/graph`): a type that does not fit the collection, unknown and read-only properties,
 * values of the wrong kind at any depth, navigation written where Graph does not take it, missing
 * required properties, and the Intune rules of a few policy kinds (a compliance policy's one block
 * action, default enrollment configurations, encrypted OMA-URI values).
 */
import {
  isAssignableTo,
  isConcrete,
  isKnownODataType,
  POLICY_COLLECTION_BASE_TYPES,
  propertiesOf,
  type GraphProperty,
  type PolicyCollection,
} from '#libs/graph';
import { parseDefinitionBind } from './sim-definitions.js';

/** A refused write: the status and Graph error code and message to answer with. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
}

/** What one level of a body may hold beyond its type's plain properties. */
export interface Level {
  /** Navigation properties written inline at this level, and what their objects may hold. */
  inline?: Readonly<Record<string, Level>>;
  /** Navigation properties that may be bound at this level (`<name>@odata.bind`). */
  binds?: readonly string[];
}

export type WriteMode = 'create' | 'update' | 'replace';

const g = (name: string) => `#microsoft.graph.${name}`;
const normalize = (type: string) => (type.startsWith('#') ? type : `#${type}`);
/** `microsoft.graph.x`, as Graph's messages name types. */
const named = (type: string) => type.replace(/^#/, '');
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const badRequest = (message: string): Refusal => ({
  status: 400,
  code: 'BadRequest',
  message,
});
const modelFailure = (message: string): Refusal => ({
  status: 400,
  code: 'ModelValidationFailure',
  message,
});
const isRefusal = (value: unknown): value is Refusal =>
  isObject(value) && typeof value.code === 'string' && typeof value.status === 'number';

export const COMPLIANCE_BLOCK_MESSAGE =
  'Compliance policy must have one and only one block scheduled action';
export const DEFAULT_ENROLLMENT_MESSAGE = 'Default enrollment configurations cannot be created';
export const SECRET_REFERENCE_MESSAGE = 'SecretReferenceValueId invalid for create';

const OMA_SETTING = g('omaSetting');
/** The assignment targets an `assign` may name. */
export const ASSIGNMENT_TARGETS = [
  'groupAssignmentTarget',
  'exclusionGroupAssignmentTarget',
  'allLicensedUsersAssignmentTarget',
  'allDevicesAssignmentTarget',
].map(g);
const GROUP_TARGETS = new Set([g('groupAssignmentTarget'), g('exclusionGroupAssignmentTarget')]);

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME_OF_DAY = /^\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?$/;
const DURATION =
  /^-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The type an object stands for: its own `@odata.type` (known, concrete, assignable to the
 * declared type), or the declared type when that is concrete.
 */
function resolveType(
  value: Record<string, unknown>,
  declared: string,
  path: string,
): string | Refusal {
  const given = value['@odata.type'];
  const where = path ? ` for property '${path}'` : '';
  if (given === undefined) {
    if (isConcrete(declared)) return declared;
    return modelFailure(
      `An @odata.type is required${where}: '${named(declared)}' is abstract; name one of its concrete types.`,
    );
  }
  if (typeof given !== 'string') {
    return modelFailure(`The @odata.type${where} must be a string naming a type.`);
  }
  const type = normalize(given);
  if (!isKnownODataType(type)) {
    return modelFailure(
      `The type '${named(type)}'${where} is unknown; expected '${named(declared)}' or a type derived from it.`,
    );
  }
  if (!isAssignableTo(type, declared)) {
    return modelFailure(
      `The type '${named(type)}'${where} is not assignable to '${named(declared)}'.`,
    );
  }
  if (!isConcrete(type)) {
    return modelFailure(`Cannot create an instance of the abstract type '${named(type)}'${where}.`);
  }
  return type;
}

function describe(property: GraphProperty): string {
  switch (property.kind) {
    case 'enum': {
      const members = property.enumMembers ?? [];
      const list =
        members.length > 12 ? `${members.slice(0, 12).join(', ')}, …` : members.join(', ');
      return `${property.flags ? 'one or more (comma-separated) of' : 'one of'} the members of '${property.type}': ${list}`;
    }
    case 'dateTime':
      return 'an ISO 8601 date and time with its offset (Edm.DateTimeOffset)';
    case 'date':
      return 'a date, yyyy-mm-dd (Edm.Date)';
    case 'timeOfDay':
      return 'a time of day, hh:mm:ss (Edm.TimeOfDay)';
    case 'duration':
      return 'an ISO 8601 duration such as PT1H (Edm.Duration)';
    case 'guid':
      return 'a GUID (Edm.Guid)';
    case 'binary':
      return 'base64 (Edm.Binary)';
    case 'number':
      return 'a number';
    case 'complex':
    case 'entity':
      return `an object of type '${named(property.type ?? '')}'`;
    default:
      return `a ${property.kind}`;
  }
}

function isEnumValue(property: GraphProperty, value: string): boolean {
  const members = property.enumMembers;
  if (!members) return true;
  if (!property.flags) return members.includes(value);
  const parts = value.split(',').map((part) => part.trim());
  return parts.every((part) => part !== '' && members.includes(part));
}

function checkScalar(
  property: GraphProperty,
  value: unknown,
  path: string,
  level: Level,
): Refusal | null {
  let ok: boolean;
  switch (property.kind) {
    case 'string':
      ok = typeof value === 'string';
      break;
    case 'number':
      ok = typeof value === 'number' && Number.isFinite(value);
      break;
    case 'boolean':
      ok = typeof value === 'boolean';
      break;
    case 'enum':
      ok = typeof value === 'string' && isEnumValue(property, value);
      break;
    case 'dateTime':
      ok = typeof value === 'string' && DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
      break;
    case 'date':
      ok =
        typeof value === 'string' &&
        DATE.test(value) &&
        !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
      break;
    case 'timeOfDay':
      ok = typeof value === 'string' && TIME_OF_DAY.test(value);
      break;
    case 'duration':
      ok = typeof value === 'string' && DURATION.test(value);
      break;
    case 'guid':
      ok = typeof value === 'string' && GUID.test(value);
      break;
    case 'binary':
      ok = typeof value === 'string' && BASE64.test(value);
      break;
    case 'complex':
      return checkObject(value, property.type!, path, {});
    case 'entity':
      return checkObject(value, property.type!, path, level);
    default:
      ok = true;
  }
  return ok
    ? null
    : badRequest(`Invalid value for property '${path}': expected ${describe(property)}.`);
}

function checkValue(
  property: GraphProperty,
  value: unknown,
  path: string,
  level: Level,
): Refusal | null {
  if (value === null) {
    return property.nullable ? null : badRequest(`The property '${path}' cannot be null.`);
  }
  if (!property.collection) return checkScalar(property, value, path, level);
  if (!Array.isArray(value)) {
    return badRequest(
      `Invalid value for property '${path}': expected a collection (a JSON array) of ${describe(property)}.`,
    );
  }
  for (let i = 0; i < value.length; i++) {
    const at = `${path}[${i}]`;
    if (value[i] === null || value[i] === undefined) {
      return badRequest(`Invalid value for property '${at}': a collection holds no nulls.`);
    }
    const refusal = checkScalar(property, value[i], at, level);
    if (refusal) return refusal;
  }
  return null;
}

/** Every property of an object of `type`, against the table (and what `level` allows). */
function checkProperties(
  value: Record<string, unknown>,
  type: string,
  path: string,
  level: Level,
): Refusal | null {
  const properties = propertiesOf(type);
  for (const [key, inner] of Object.entries(value)) {
    // JSON has no undefined: a key that holds it was never sent.
    if (key === '@odata.type' || inner === undefined) continue;
    const at = join(path, key);
    const annotation = key.indexOf('@');
    if (annotation >= 0) {
      const name = key.slice(0, annotation);
      if (key.slice(annotation + 1) === 'odata.bind' && level.binds?.includes(name)) {
        if (typeof inner !== 'string') {
          return badRequest(`Invalid value for '${at}': expected the URL of the bound object.`);
        }
        continue;
      }
      return badRequest(
        `The annotation '${key}'${path ? ` in '${path}'` : ''} is not allowed: a write carries no annotation but @odata.type` +
          (level.binds?.length
            ? ` and ${level.binds.map((b) => `${b}@odata.bind`).join(', ')}.`
            : '.'),
      );
    }
    const property = properties.get(key);
    if (!property) {
      return badRequest(
        `Property '${key}' does not exist on type '${named(type)}'${path ? ` (in '${path}')` : ''}. ` +
          'Make sure to only use property names that are defined by the type.',
      );
    }
    if (property.readOnly) {
      return badRequest(`The property '${at}' is read-only and cannot be set on a write.`);
    }
    if (property.navigation) {
      const inline = level.inline?.[key];
      if (!inline) {
        return badRequest(
          `The navigation property '${at}' cannot be written in this request; Graph takes it through its own endpoint.`,
        );
      }
      const refusal = checkValue(property, inner, at, inline);
      if (refusal) return refusal;
      continue;
    }
    const refusal = checkValue(property, inner, at, {});
    if (refusal) return refusal;
  }
  return null;
}

/** An object standing where `declared` is declared: its type, then its properties. */
export function checkObject(
  value: unknown,
  declared: string,
  path: string,
  level: Level,
): Refusal | null {
  if (!isObject(value)) {
    return badRequest(
      `Invalid value for property '${path}': expected an object of type '${named(declared)}'.`,
    );
  }
  const type = resolveType(value, declared, path);
  if (isRefusal(type)) return type;
  return checkProperties(value, type, path, level);
}

/**
 * An OMA-URI setting carrying a secret reference: what a read returned, written back. Intune
 * answers with its own message, whatever else the body holds.
 */
function secretReferenceIn(body: Record<string, unknown>, type: string): Refusal | null {
  const properties = propertiesOf(type);
  for (const [key, value] of Object.entries(body)) {
    const property = properties.get(key);
    if (property?.kind !== 'complex' || !property.type) continue;
    if (!isAssignableTo(property.type, OMA_SETTING)) continue;
    const settings = Array.isArray(value) ? value : [value];
    if (settings.some((s) => isObject(s) && s.secretReferenceValueId != null)) {
      return badRequest(SECRET_REFERENCE_MESSAGE);
    }
  }
  return null;
}

/** Navigation properties a create (or the settings catalog's PUT) carries inline. */
const INLINE: Partial<Record<PolicyCollection, Level>> = {
  deviceCompliancePolicies: {
    inline: { scheduledActionsForRule: { inline: { scheduledActionConfigurations: {} } } },
  },
  configurationPolicies: { inline: { settings: {} } },
};

function requiredOf(collection: PolicyCollection, type: string): string[] {
  if (collection === 'configurationPolicies') return ['name', 'platforms', 'technologies'];
  return propertiesOf(type).has('displayName') ? ['displayName'] : [];
}

function hasOneBlockAction(rules: unknown): boolean {
  if (!Array.isArray(rules) || rules.length !== 1 || !isObject(rules[0])) return false;
  const actions = rules[0].scheduledActionConfigurations;
  return (
    Array.isArray(actions) &&
    actions.filter((action) => isObject(action) && action.actionType === 'block').length === 1
  );
}

/** The stored item a PATCH or PUT changes (its `@odata.type` and enrollment `priority` count). */
export type StoredPolicy = Readonly<Record<string, unknown>>;

/**
 * A policy write: `create` (POST to the collection), `update` (PATCH: the properties it carries)
 * or `replace` (the settings catalog's PUT: the whole policy and its settings). Null: accepted.
 */
export function validatePolicyWrite(
  collection: PolicyCollection,
  body: unknown,
  mode: WriteMode,
  stored?: StoredPolicy,
): Refusal | null {
  if (!isObject(body)) return badRequest('The request body must be a JSON object.');
  const base = POLICY_COLLECTION_BASE_TYPES[collection];
  let type: string;
  if (mode === 'create') {
    const given = body['@odata.type'];
    if (given === undefined && !isConcrete(base)) {
      return modelFailure(
        `An @odata.type is required: the collection's type '${named(base)}' is abstract; name one of its concrete types.`,
      );
    }
    const resolved = resolveType(body, base, '');
    if (isRefusal(resolved)) {
      const collectionType = `'${named(base)}'`;
      return resolved.message.includes(collectionType)
        ? resolved
        : modelFailure(`${resolved.message} The collection holds ${collectionType}.`);
    }
    type = resolved;
  } else {
    type = typeof stored?.['@odata.type'] === 'string' ? normalize(stored['@odata.type']) : base;
    const given = body['@odata.type'];
    if (given !== undefined && (typeof given !== 'string' || normalize(given) !== type)) {
      return modelFailure(
        `The @odata.type '${String(given)}' does not match the item's type '${named(type)}': an item's type cannot be changed.`,
      );
    }
  }
  const secret = secretReferenceIn(body, type);
  if (secret) return secret;
  if (mode === 'update' && collection === 'deviceCompliancePolicies') {
    if ('scheduledActionsForRule' in body) {
      return badRequest(
        "The property 'scheduledActionsForRule' cannot be changed by PATCH; use the scheduleActionsForRules action.",
      );
    }
  }
  const level = mode === 'update' ? {} : (INLINE[collection] ?? {});
  const refusal = checkProperties(body, type, '', level);
  if (refusal) return refusal;
  if (mode !== 'update') {
    for (const name of requiredOf(collection, type)) {
      if (body[name] === undefined || body[name] === null) {
        return badRequest(`The property '${name}' is required.`);
      }
    }
  }
  if (mode === 'create' && collection === 'deviceCompliancePolicies') {
    if (!hasOneBlockAction(body.scheduledActionsForRule)) {
      return badRequest(COMPLIANCE_BLOCK_MESSAGE);
    }
  }
  if (collection === 'deviceEnrollmentConfigurations') {
    const priority = body.priority as number | undefined;
    if (mode === 'create') {
      if (priority === undefined || priority === 0) return badRequest(DEFAULT_ENROLLMENT_MESSAGE);
      if (priority < 0) {
        return badRequest("Invalid value for property 'priority': expected 1 or more.");
      }
    } else if (priority !== undefined) {
      if (stored?.priority === 0 && priority !== 0) {
        return badRequest('The priority of a default enrollment configuration cannot be changed.');
      }
      if (stored?.priority !== 0 && priority === 0) {
        return badRequest('Priority 0 belongs to the default enrollment configurations.');
      }
      if (priority < 0) {
        return badRequest("Invalid value for property 'priority': expected 1 or more.");
      }
    }
  }
  return null;
}

/** The type of a policy collection's assignments (`deviceConfigurationAssignment`, …). */
export function assignmentTypeOf(collection: PolicyCollection): string {
  return propertiesOf(POLICY_COLLECTION_BASE_TYPES[collection]).get('assignments')!.type!;
}

/** An `assign` action's body: `{ <property>: [assignment, …] }`, each with a target Graph takes. */
export function validateAssignments(
  collection: PolicyCollection,
  body: unknown,
  property: string,
): Refusal | null {
  if (!isObject(body)) return badRequest('The request body must be a JSON object.');
  for (const key of Object.keys(body)) {
    if (key !== property) {
      return badRequest(`The parameter '${key}' is not in scope of the assign action.`);
    }
  }
  const assignments = body[property];
  if (!Array.isArray(assignments)) {
    return badRequest(`The body must carry '${property}' as a list.`);
  }
  const type = assignmentTypeOf(collection);
  for (let i = 0; i < assignments.length; i++) {
    const path = `${property}[${i}]`;
    const assignment: unknown = assignments[i];
    if (!isObject(assignment)) {
      return badRequest(
        `Invalid value for '${path}': expected an object of type '${named(type)}'.`,
      );
    }
    const target = assignment.target;
    const targetType =
      isObject(target) && typeof target['@odata.type'] === 'string'
        ? normalize(target['@odata.type'])
        : undefined;
    if (!targetType || !ASSIGNMENT_TARGETS.includes(targetType)) {
      return badRequest(
        `Invalid value for '${path}.target': expected an object whose @odata.type is one of ` +
          `${ASSIGNMENT_TARGETS.map(named).join(', ')}.`,
      );
    }
    const refusal = checkObject(assignment, type, path, {});
    if (refusal) return refusal;
    const groupId = (target as Record<string, unknown>).groupId;
    if (GROUP_TARGETS.has(targetType) && (typeof groupId !== 'string' || !GUID.test(groupId))) {
      return badRequest(`The property '${path}.target.groupId' must be the group's id (a GUID).`);
    }
  }
  return null;
}

/** What a definition value's body binds: its definition and each presentation value's presentation. */
export interface DefinitionValueBinds {
  definitionId: string;
  presentations: { definitionId: string; presentationId: string }[];
}

/**
 * `POST …/groupPolicyConfigurations/{id}/definitionValues`: `enabled`, `configurationType`, the
 * definition bound by `definition@odata.bind`, and inline presentation values each bound to its
 * presentation. Whether the bound objects exist is the caller's question (404).
 */
export function validateDefinitionValue(body: unknown): Refusal | DefinitionValueBinds {
  if (!isObject(body)) return badRequest('The request body must be a JSON object.');
  const refusal = checkObject(body, g('groupPolicyDefinitionValue'), '', {
    binds: ['definition'],
    inline: { presentationValues: { binds: ['presentation'] } },
  });
  if (refusal) return refusal;
  const bind = body['definition@odata.bind'];
  if (bind === undefined) return badRequest("The property 'definition@odata.bind' is required.");
  const definition = parseDefinitionBind(bind);
  if (!definition || definition.presentationId) {
    return badRequest(
      "Invalid value for 'definition@odata.bind': expected the URL of a groupPolicyDefinitions('<id>').",
    );
  }
  const presentations: DefinitionValueBinds['presentations'] = [];
  const values = Array.isArray(body.presentationValues) ? body.presentationValues : [];
  for (let i = 0; i < values.length; i++) {
    const at = `presentationValues[${i}].presentation@odata.bind`;
    const given = (values[i] as Record<string, unknown>)['presentation@odata.bind'];
    if (given === undefined) return badRequest(`The property '${at}' is required.`);
    const found = parseDefinitionBind(given);
    if (!found?.presentationId) {
      return badRequest(
        `Invalid value for '${at}': expected the URL of a groupPolicyDefinitions('<id>')/presentations('<id>').`,
      );
    }
    presentations.push({ definitionId: found.definitionId, presentationId: found.presentationId });
  }
  return { definitionId: definition.definitionId, presentations };
}

/**
 * The value without what a write may not carry: the read-only (and server-set) properties at
 * every depth, as the table marks them for each object's own type. What a client strips from a
 * captured policy before writing it back.
 */
export function withoutReadOnly(declared: string, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutReadOnly(declared, item));
  if (!isObject(value)) return value;
  const given = value['@odata.type'];
  const type =
    typeof given === 'string' && isKnownODataType(normalize(given)) ? normalize(given) : declared;
  if (!isKnownODataType(type)) return value;
  const properties = propertiesOf(type);
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const property = properties.get(key);
    if (property?.readOnly) continue;
    result[key] =
      property?.type && (property.kind === 'complex' || property.kind === 'entity')
        ? withoutReadOnly(property.type, inner)
        : inner;
  }
  return result;
}
