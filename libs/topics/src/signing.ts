import { createEventVerifier, fileEventKeys, parseEventTrust, signerFromFile, type EventRequirement, type EventSigner, type EventVerifier } from "@kuayu/kafka";
import { decisionEventsV1 as d, intakeEventsV1 as i, routingEventsV1 as r, supervisionEventsV1 } from "@kuayu/proto";

// Who may emit each event (docs/architecture.md "Signed events"): the service that owns the step,
// acting for the province of the court it acts for — the window's (collaborating court's) for
// intake, the jurisdiction court's for decision. A consumer refuses any other producer.

type Producer = "intake" | "routing" | "decision" | "supervision";

/**
 * The producers of each event type (every lifecycle event and supervision's; a unit test keeps it
 * complete), the one that signs it now first, and whose province they act for. A route's events
 * are intake's: it routes a submission in the change that commits it (ValidateRoute's route). They
 * are still accepted from routing, whose stage signed them in earlier releases: a filing's other
 * side may be another province's release, upgraded later (docs/architecture.md "Signed events").
 */
export const EVENT_PRODUCERS: Record<string, { producers: readonly Producer[]; actsFor: "window" | "jurisdiction" | "scope" }> = {
  [i.FilingSubmittedSchema.typeName]: { producers: ["intake"], actsFor: "window" },
  [i.CorrectionSubmittedSchema.typeName]: { producers: ["intake"], actsFor: "window" },
  [i.FilingWithdrawnSchema.typeName]: { producers: ["intake"], actsFor: "window" },
  [r.FilingRoutedSchema.typeName]: { producers: ["intake", "routing"], actsFor: "window" },
  [r.RoutingFailedSchema.typeName]: { producers: ["intake", "routing"], actsFor: "window" },
  [d.AcknowledgedSchema.typeName]: { producers: ["decision"], actsFor: "jurisdiction" },
  [d.AcceptedSchema.typeName]: { producers: ["decision"], actsFor: "jurisdiction" },
  [d.RejectedSchema.typeName]: { producers: ["decision"], actsFor: "jurisdiction" },
  [d.CorrectionRequestedSchema.typeName]: { producers: ["decision"], actsFor: "jurisdiction" },
  [d.DeadlinesChangedSchema.typeName]: { producers: ["decision"], actsFor: "jurisdiction" },
  [supervisionEventsV1.NoticePublishedSchema.typeName]: { producers: ["supervision"], actsFor: "scope" },
};

/** The policy of a verifier: the producers and province an event needs ("?" for a court the directory does not know: only a key for every province may sign it). */
export function eventPolicy(courtProvince: (courtId: string) => string | undefined) {
  return (type: string, message: unknown): EventRequirement | undefined => {
    const rule = EVENT_PRODUCERS[type];
    if (!rule) return undefined;
    let province: string | undefined;
    if (rule.actsFor === "scope") {
      const m = message as { scopeLevel: string; scopeId: string };
      province = m.scopeLevel === "national" ? "00" : m.scopeLevel === "province" ? m.scopeId : courtProvince(m.scopeId);
    } else {
      const m = message as { collaboratingCourtId: string; jurisdictionCourtId: string };
      province = courtProvince(rule.actsFor === "window" ? m.collaboratingCourtId : m.jurisdictionCourtId);
    }
    return { producers: rule.producers, province: province ?? "?" };
  };
}

/** The event settings (libs/config fields.events). */
export interface EventSettings {
  EVENT_SIGNING_KEY_FILE?: string;
  EVENT_KEYS_FILE?: string;
  EVENT_TRUST?: string;
}

/**
 * A service's signer (EVENT_SIGNING_KEY_FILE) and verifier (EVENT_KEYS_FILE: this release's event
 * keys, as they claim; EVENT_TRUST: other releases' keys for the provinces named). Either is
 * undefined when its settings are not set: a developer's machine without keys.
 */
export async function eventSecurity(settings: EventSettings, producer: string, courtProvince: (courtId: string) => string | undefined): Promise<{ signer?: EventSigner; verifier?: EventVerifier }> {
  const signer = await signerFromFile(settings.EVENT_SIGNING_KEY_FILE, producer);
  const sources = [...(settings.EVENT_KEYS_FILE ? [{ provinces: "*" as const, lookup: fileEventKeys(settings.EVENT_KEYS_FILE) }] : []), ...parseEventTrust(settings.EVENT_TRUST ?? "")];
  const verifier = sources.length > 0 ? createEventVerifier(sources, eventPolicy(courtProvince)) : undefined;
  return { ...(signer ? { signer } : {}), ...(verifier ? { verifier } : {}) };
}
