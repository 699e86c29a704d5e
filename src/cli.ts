import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError, parseConfig, type AppConfig } from '#libs/common/config';
import { isUuid } from '#libs/common/ids';
import { ROLES, type Role } from '#libs/roles';

// Only what checks the arguments is loaded up front: a command loads the product (seconds of CPU)
// once its arguments are good, so help and usage errors answer at once.

function uuid(name: string) {
  return (value: string): string => {
    if (!isUuid(value)) throw new InvalidArgumentError(`${name} must be a UUID.`);
    return value;
  };
}

function text(name: string, max: number) {
  return (value: string): string => {
    const trimmed = value.trim();
    if (trimmed.length < 1 || trimmed.length > max) {
      throw new InvalidArgumentError(`${name} must be 1 to ${max} characters.`);
    }
    return trimmed;
  };
}

function email(value: string): string {
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) || value.length > 320) {
    throw new InvalidArgumentError('email must be an e-mail address.');
  }
  return value;
}

function instant(value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError('must be an ISO-8601 instant, e.g. 2026-11-23T10:00:00Z.');
  }
  return date;
}

function print(result: object): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Operator commands log warnings and errors only, unless LOG_LEVEL says otherwise. */
function cliConfig(): AppConfig {
  return parseConfig({ LOG_LEVEL: 'warn', ...process.env });
}

/** Loads and boots the product once the configuration is known to be good, then does `work`. */
async function withApp<T>(work: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  const config = cliConfig();
  const [{ NestFactory }, { Logger }, { default: pino }, { AppModule }] = await Promise.all([
    import('@nestjs/core'),
    import('nestjs-pino'),
    import('pino'),
    import('./app.module.js'),
  ]);
  // The whole product, but in no role: no HTTP, no queue consumer, no ticks. Logs go to stderr,
  // since stdout carries the command's one JSON result.
  const module = AppModule.forRoot(
    { ...config, roles: [] },
    { logging: { destination: pino.destination({ dest: 2, sync: true }) } },
  );
  const app = await NestFactory.createApplicationContext(module, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

function buildProgram(): Command {
  const program = new Command('tenantops')
    .description('TenantOps operator commands. Each prints one JSON object on stdout.')
    .exitOverride()
    .showHelpAfterError(false);

  program
    .command('db:migrate')
    .description('Apply pending database migrations.')
    .action(async () => {
      const { runMigrations } = await import('#libs/common/db');
      const applied = await runMigrations(cliConfig().database.url);
      print({ applied });
    });

  program
    .command('workspace:create')
    .description('Create a workspace (an MSP).')
    .requiredOption('--name <name>', 'display name', text('name', 200))
    .action(async ({ name }: { name: string }) => {
      const workspace = await withApp(async (app) => {
        const { CLI_ACTOR, WorkspacesService } = await import('#libs/tenancy');
        return app.get(WorkspacesService).create(name, CLI_ACTOR);
      });
      print({ id: workspace.id });
    });

  program
    .command('user:create')
    .description('Create a user.')
    .requiredOption('--email <email>', 'e-mail address (unique)', email)
    .requiredOption('--name <name>', 'display name', text('name', 200))
    .action(async ({ email, name }: { email: string; name: string }) => {
      const user = await withApp(async (app) => {
        const { CLI_ACTOR, UsersService } = await import('#libs/tenancy');
        return app.get(UsersService).create(email, name, CLI_ACTOR);
      });
      print({ id: user.id });
    });

  program
    .command('member:add')
    .description('Add a user to a workspace with a role (or change their role).')
    .requiredOption('--workspace <id>', 'workspace id', uuid('workspace'))
    .requiredOption('--user <id>', 'user id', uuid('user'))
    .addOption(new Option('--role <role>', 'role').choices(ROLES).makeOptionMandatory())
    .action(async ({ workspace, user, role }: { workspace: string; user: string; role: Role }) => {
      const { membership } = await withApp(async (app) => {
        const { CLI_ACTOR, WorkspacesService } = await import('#libs/tenancy');
        return app.get(WorkspacesService).addMember(workspace, user, role, CLI_ACTOR);
      });
      print({
        workspaceId: membership.workspaceId,
        userId: membership.userId,
        role: membership.role,
      });
    });

  program
    .command('token:create')
    .description('Create a personal API token for a user. The token is shown only this once.')
    .requiredOption('--user <id>', 'user id', uuid('user'))
    .option('--name <name>', 'label for the token', text('name', 200), 'cli')
    .option('--expires-at <iso>', 'when the token stops working (ISO-8601); none: never', instant)
    .action(async ({ user, name, expiresAt }: { user: string; name: string; expiresAt?: Date }) => {
      const issued = await withApp(async (app) => {
        const { ApiTokensService, CLI_ACTOR } = await import('#libs/tenancy');
        return app.get(ApiTokensService).issue(user, name, CLI_ACTOR, expiresAt ?? null);
      });
      print({
        id: issued.id,
        token: issued.token,
        ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}),
      });
    });

  program
    .command('runs:sweep')
    .description(
      'Fail runs that cannot finish (stale queued, lost worker), freeing their identities.',
    )
    .option('--now <iso>', 'sweep as if it were this instant (ISO-8601)', instant)
    .action(async ({ now }: { now?: Date }) => {
      const result = await withApp(async (app) => {
        const { RunLivenessService } = await import('#libs/operation-runs');
        return app.get(RunLivenessService).sweep(now);
      });
      print(result);
    });

  program
    .command('runs:prune')
    .description('Delete runs completed more than RUN_RETENTION_DAYS ago.')
    .option('--now <iso>', 'prune as if it were this instant (ISO-8601)', instant)
    .action(async ({ now }: { now?: Date }) => {
      const result = await withApp(async (app) => {
        const { RunRetentionService } = await import('#libs/operation-runs');
        return app.get(RunRetentionService).prune(now);
      });
      print(result);
    });

  program
    .command('secrets:rotate')
    .description(
      'Re-encrypt every secret under SECRETS_KEY; SECRETS_KEY_PREVIOUS names the key it replaces.',
    )
    .action(async () => {
      const result = await withApp(async (app) => {
        const { SecretsRotationService } = await import('./secrets/index.js');
        return app.get(SecretsRotationService).rotate();
      });
      print(result);
    });

  program
    .command('scheduler:tick')
    .description(
      'One scheduler tick (for system cron): create the runs due now — schedule fires and duties.',
    )
    .option('--now <iso>', 'tick as if it were this instant (ISO-8601)', instant)
    .action(async ({ now }: { now?: Date }) => {
      const result = await withApp(async (app) => {
        const { SchedulerService } = await import('./scheduler/index.js');
        return app.get(SchedulerService).tick(now);
      });
      print(result);
    });

  program
    .command('token:revoke')
    .description('Revoke an API token by its id.')
    .requiredOption('--id <id>', 'token id', uuid('id'))
    .action(async ({ id }: { id: string }) => {
      await withApp(async (app) => {
        const { ApiTokensService, CLI_ACTOR } = await import('#libs/tenancy');
        return app.get(ApiTokensService).revoke(id, CLI_ACTOR);
      });
      print({ id, revoked: true });
    });

  return program;
}

/** A refusal as it was worded (a bad variable, a record that does not allow it); else unexpected. */
async function failureMessage(error: unknown): Promise<string> {
  if (error instanceof ConfigError) return error.message;
  // The product's refusals can only have been thrown once a command had loaded the product.
  const { AppError } = await import('#libs/common/errors');
  return error instanceof AppError
    ? error.message
    : `Unexpected error: ${(error as Error)?.message ?? String(error)}`;
}

/** Exit codes: 0 done, 1 refused or failed (the message says why), 2 bad usage. */
buildProgram()
  .parseAsync(process.argv)
  .catch(async (error: unknown) => {
    if (error instanceof CommanderError) {
      // Commander has already printed its message; help and version requests are not errors.
      process.exit(error.exitCode === 0 ? 0 : 2);
    }
    process.stderr.write(`${await failureMessage(error)}\n`);
    process.exit(1);
  });
