import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { eventJwk, eventJwks, type EventJwk } from "@kuayu/kafka";
import { usageError } from "./output.js";

/**
 * `kuayu events jwks <producer>=<key.pem>...`: the JWKS of a release's event keys (P-256 or SM2, PEM,
 * private or public), each bound to its producer and to the release's provinces — the
 * EVENT_KEYS_FILE of the release's consumers, and what other releases trust with EVENT_TRUST. During
 * a rotation list the producer's current and next key.
 */
export function eventsJwksCommand(cmd: Command): void {
  cmd
    .description("print the JWKS of a release's event-signing keys (EVENT_KEYS_FILE): each key with its kid, producer and provinces")
    .argument("<producer=file...>", "e.g. decision=.secrets/events/decision-key.pem (the public key is enough)")
    .option("--provinces <codes>", 'the provinces the release acts for: "*" or codes joined by commas, e.g. 44 or 11,12', "*")
    .action(async (pairs: string[], o: { provinces: string }) => {
      const provinces = o.provinces.trim() === "*" ? "*" : o.provinces.split(",").map((p) => p.trim());
      if (provinces !== "*" && !provinces.every((p) => /^\d{2}$/.test(p))) usageError(`--provinces: "*" or two-digit province codes, not "${o.provinces}"`);
      const keys: EventJwk[] = [];
      for (const pair of pairs) {
        const [producer, file] = pair.split("=", 2);
        if (!producer || !file || !/^[a-z][a-z-]*$/.test(producer)) usageError(`"${pair}": expected <producer>=<PEM file>, e.g. decision=decision-key.pem`);
        let pem: string;
        try {
          pem = readFileSync(file, "utf8");
        } catch {
          usageError(`cannot read ${file}`);
        }
        try {
          keys.push(await eventJwk(pem, producer, provinces));
        } catch (err) {
          usageError(`${file}: ${(err as Error).message}`);
        }
      }
      const kids = keys.map((k) => k.kid);
      if (new Set(kids).size !== kids.length) usageError("two keys have the same kid");
      process.stdout.write(`${JSON.stringify(eventJwks(keys), null, 2)}\n`);
    });
}
