import { readFileSync } from "node:fs";
import path from "node:path";
import { Option, type Command } from "commander";
import { ROLES, createSigner, isRole, toJwks, type Jwks } from "@kuayu/auth";
import { print, usageError } from "./output.js";

const root = path.resolve(__dirname, "../../..");

export function tokenMintCommand(cmd: Command): void {
  cmd
    .description("mint a bearer token signed with a release's private key (default: the local development key, .secrets/jwt-private.pem); --json shows its kid")
    .requiredOption("--court <id>", "the caller's court id")
    .addOption(new Option("--role <role...>", "one or more roles").choices([...ROLES]).makeOptionMandatory())
    .option("--province <code>", "two-digit province code of the court (default: from a 6-digit division code in the court id)")
    .option("--user <name>", "user name (subject)", "dev")
    .option("--name <display name>", "the holder's display name (claim `name`): shown in the audit trail and the timeline")
    .option("--expires <duration>", "lifetime, e.g. 15m, 8h", "8h")
    .option("--key <file>", "PKCS#8 PEM private key", path.join(root, ".secrets/jwt-private.pem"))
    .option("--json", "machine-readable output")
    .action(async (o: { court: string; role: string[]; province?: string; user: string; name?: string; expires: string; key: string; json?: boolean }) => {
      const province = o.province ?? /(\d{2})\d{4}/.exec(o.court)?.[1];
      if (!province) usageError(`cannot tell the province of court "${o.court}"; pass --province`);
      let pem: string;
      try {
        pem = readFileSync(o.key, "utf8");
      } catch {
        usageError(`no private key at ${o.key}; run \`make bootstrap\` to generate the development key pair`);
      }
      const roles = o.role.filter(isRole);
      const signer = await createSigner(pem);
      const token = await signer.mint({ user: o.user, ...(o.name ? { name: o.name } : {}), courtId: o.court, roles, province, expiresIn: o.expires });
      // The kid names the signing key (its thumbprint): which key of a rotation signed the token.
      print(o.json, { token, kid: signer.kid, court: o.court, roles, province, expiresIn: o.expires }, () => token);
    });
}

/**
 * `kuayu token jwks <file...>`: the JWKS of a release's verification keys (PEM public keys or JWKS
 * files), each with its kid — what the release publishes at /.well-known/jwks.json and what other
 * releases mount. During a rotation pass the current and the next key.
 */
export function tokenJwksCommand(cmd: Command): void {
  cmd
    .description("print the JWKS (with kids) of one or more public keys: what a release publishes and other releases trust")
    .argument("<file...>", "PEM public keys or JWKS files, e.g. .secrets/jwt-public.pem")
    .action(async (files: string[]) => {
      const jwks: Jwks = { keys: [] };
      for (const f of files) {
        let text: string;
        try {
          text = readFileSync(f, "utf8");
        } catch {
          usageError(`cannot read ${f}`);
        }
        try {
          jwks.keys.push(...(await toJwks(text, f)).keys);
        } catch (err) {
          usageError((err as Error).message);
        }
      }
      const kids = jwks.keys.map((k) => k.kid);
      if (new Set(kids).size !== kids.length) usageError("two keys have the same kid");
      process.stdout.write(`${JSON.stringify(jwks, null, 2)}\n`);
    });
}
