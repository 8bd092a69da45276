import type { DocumentInput } from "../documents/types.js";
import type { Reminder, WebhookRef } from "./notify.js";

// The notification service's documents (database kuayu_notification), as the use cases and the
// store adapter (adapters/store.ts) share them. Everything keyed by what makes it unique, so
// consumer redeliveries insert nothing twice.

export interface NotificationDoc {
  _id: string; // <event or reminder id>:<court>:<role>
  courtId: string;
  role: string;
  filingId: string;
  kind: string;
  title: string;
  body: string;
  createdAt: Date;
  /** The change bucket of createdAt, for the watch hub's indexed look-ups (@kuayu/mongo tickOf). */
  tick?: number;
  read: boolean;
}

export interface WebhookDoc {
  _id: string;
  courtId: string;
  url: string;
  /** The HMAC secret (needed to sign; never returned by the API). */
  secret: string;
  eventTypes: string[];
  createdAt: Date;
}

export interface SubscriptionDoc {
  _id: string;
  courtId: string;
  channel: "email" | "sms";
  address: string;
  eventTypes: string[];
  createdAt: Date;
}

/** The filing side's mobile numbers of a filing (`_id`), each sealed (@kuayu/fieldcrypt): for the party's SMS. One writer: the window copy's consumer. */
export interface PartyPhonesDoc {
  _id: string;
  phones: string[];
  updatedAt: Date;
}
/** A filing (`_id`) whose party asked for no more SMS (the console's /party page): a unique insert; deleted to ask again. */
export interface SmsOptOutDoc {
  _id: string;
  at: Date;
}

export type DeliveryStatus = "pending" | "delivered" | "dead";
export interface DeliveryDoc {
  _id: string; // <event id>:<target id>
  channel: "webhook" | "email" | "sms";
  /** Webhook or subscription id. */
  targetId: string;
  courtId: string;
  filingId: string;
  eventId: string;
  eventType: string;
  /** Deliveries of one target and filing go out in this order (the event's time, then `rank`). */
  order: Date;
  /** Lifecycle rank of the event, for events with the same time. */
  rank: number;
  /**
   * A webhook's references (no personal data): its body is built from them at send time
   * (domain/notify.ts webhookBody) and nothing else of the event is stored.
   */
  ref?: WebhookRef;
  /**
   * The words of an e-mail or SMS (they name the courts and may quote a rejection's reasons), kept
   * only until the message is delivered: the delivered record has no payload. (Webhook deliveries
   * queued by earlier releases kept their whole body here; it is removed the same way.)
   */
  payload?: { body?: unknown; subject?: string; text?: string; sms?: { kind: string; params: Record<string, string> } };
  status: DeliveryStatus;
  attempts: number;
  lastError: string;
  createdAt: Date;
  nextAttemptAt: Date;
  deliveredAt?: Date;
  /** Done without sending, and why (a party who asked for no more SMS). */
  skipped?: string;
}

/** A reminder as earlier releases scheduled it, one document each (now the facts hold them: `reminders`). */
export interface ReminderDoc extends Reminder {
  _id: string;
  done: boolean;
}

export interface DocumentDoc {
  _id: string; // verification code
  key: string; // <filing>:<kind>:<round>, unique
  filingId: string;
  kind: string;
  /**
   * SHA-256 of the PDF, set when it is first rendered (GetDocument; the value of its
   * `document_pdfs` entry). Unset while nobody has downloaded the document.
   */
  sha256?: string;
  issuedAt: Date;
  facts: Record<string, string>;
  /**
   * What the renderer needs (plain data, dates as Dates): the PDF is rendered from it on the first
   * GetDocument. Absent on records issued before rendering was lazy: their PDF is in GridFS under
   * the code and `sha256` is set.
   */
  input?: DocumentInput;
  /** When the PDF was first rendered. */
  renderedAt?: Date;
  collaboratingCourtId: string;
  jurisdictionCourtId: string;
}

/**
 * The rendered PDF of a document (collection `document_pdfs`): inserted once, by the first render
 * that stored its bytes (GridFS bucket `documents`, file `fileId`), and never changed.
 */
export interface DocumentPdfDoc {
  _id: string; // verification code
  /** GridFS file id: `<code>.<8 hex>`, a fresh one for each render that was stored. */
  fileId: string;
  sha256: string;
  sizeBytes: number;
  renderedAt: Date;
}

/**
 * The `_id` of a filing's facts as the copy of its events on a province's lifecycle topic builds
 * them (`<filing>@<province>`): a cross-province filing has two, each written by its own topic's
 * consumer only (one writer each). Facts kept before the per-province topics have the filing id.
 */
export const factsId = (filingId: string, province: string) => `${filingId}@${province}`;
