// The HL7 v3 send-message wrapper that EPS puts around every request to Spine (eps.md §1.14):
// message id, creation time, interaction, sender/receiver ASIDs and the ControlActEvent naming the
// session's user and role. Plus the writer: an element tree out as pretty XML with xmlbuilder2, as
// EPS's `$convert` answers. Pure.
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces';
import { el, type XmlElement, type XmlNode } from '../xml/canonical';
import { parseXmlSafely } from '../xml/parse';
import { epsView } from '../xml/eps-view';
import { FragmentError, hl7Time } from '../eps/fragments';

const HL7 = 'urn:hl7-org:v3';
const INTERACTION = '2.16.840.1.113883.2.1.3.2.4.12',
  ASID = '1.2.826.0.1285.0.2.0.107';
const SDS_ROLE_PROFILE = '1.2.826.0.1285.0.2.0.67',
  SDS_JOB_ROLE = '1.2.826.0.1285.0.2.1.104';
export const SDS_USER = '1.2.826.0.1285.0.2.0.65';

export const INTERACTIONS = {
  parentPrescription: 'PORX_IN020101SM31',
  cancelRequest: 'PORX_IN030101SM32',
} as const;

/** What a call adds to the bundle's content: EPS takes these from the clock and the request headers. */
export interface MessageContext {
  /** The time of the call (creationTime; also a cancellation's effectiveTime). */
  now: Date;
  /** NHSD-ASID: the calling system. */
  senderAsid: string;
  /** Spine's ASID (EPS's TO_ASID). */
  receiverAsid: string;
  /** NHSD-Identity-UUID: the session's SDS user ID. */
  userId?: string;
  /** NHSD-Session-URID: the session's role profile ID. */
  roleProfileId?: string;
}

const device = (asid: string) =>
  el('device', { classCode: 'DEV', determinerCode: 'INSTANCE' }, el('id', { extension: asid, root: ASID }));

/** `<PORX_IN… xmlns="urn:hl7-org:v3">` around `subject`, as EPS's createSendMessagePayload builds it. */
export function sendMessagePayload(
  interactionId: string,
  messageId: string,
  ctx: MessageContext,
  subject: XmlElement,
): XmlElement {
  const author =
    ctx.userId && ctx.roleProfileId
      ? el(
          'author',
          { typeCode: 'AUT' },
          el(
            'AgentPersonSDS',
            { classCode: 'AGNT' },
            el('id', { extension: ctx.roleProfileId, root: SDS_ROLE_PROFILE }),
            el(
              'agentPersonSDS',
              { classCode: 'PSN', determinerCode: 'INSTANCE' },
              el('id', { extension: ctx.userId, root: SDS_USER }),
            ),
            // EPS does not know the job role here and says so.
            el(
              'part',
              { typeCode: 'PART' },
              el('partSDSRole', { classCode: 'ROL' }, el('id', { extension: 'UNKNOWN', root: SDS_JOB_ROLE })),
            ),
          ),
        )
      : null;
  return el(
    interactionId,
    { xmlns: HL7 },
    el('id', { root: messageId.toUpperCase() }),
    el('creationTime', { value: hl7Time(ctx.now.toISOString()) }),
    el('versionCode', { code: 'V3NPfIT4.2.00' }),
    el('interactionId', { extension: interactionId, root: INTERACTION }),
    el('processingCode', { code: 'P' }),
    el('processingModeCode', { code: 'T' }),
    el('acceptAckCode', { code: 'NE' }),
    el('communicationFunctionRcv', {}, device(ctx.receiverAsid)),
    el('communicationFunctionSnd', {}, device(ctx.senderAsid)),
    el(
      'ControlActEvent',
      { classCode: 'CACT', moodCode: 'EVN' },
      author,
      el(
        'author1',
        { typeCode: 'AUT' },
        el(
          'AgentSystemSDS',
          { classCode: 'AGNT' },
          el(
            'agentSystemSDS',
            { classCode: 'DEV', determinerCode: 'INSTANCE' },
            el('id', { extension: ctx.senderAsid, root: ASID }),
          ),
        ),
      ),
      el('subject', {}, subject),
    ),
  );
}

/** Drops `xmlns` attributes that only repeat the namespace already in scope (the signed fragments carry their own). */
export function withoutNamespace(node: XmlElement): XmlElement {
  const { xmlns: _ns, ...attrs } = node.attrs ?? {};
  return { ...node, attrs };
}

// EPS writes attribute values with tabs, form feeds and line breaks as spaces (canonicaliseAttribute).
const attrValue = (v: string) => v.replace(/[\t\f]+/g, ' ').replace(/\r?\n/g, ' ');

function write(parent: XMLBuilder, node: XmlNode, scope: Map<string, string>): void {
  if (typeof node === 'string') {
    parent.txt(node);
    return;
  }
  const inner = new Map(scope);
  const plain: Record<string, string> = {};
  for (const [k, v] of Object.entries(node.attrs ?? {})) {
    if (k === 'xmlns') inner.set('', v);
    else if (k.startsWith('xmlns:')) inner.set(k.slice(6), v);
    else plain[k] = attrValue(v);
  }
  const colon = node.name.indexOf(':');
  const ns = inner.get(colon < 0 ? '' : node.name.slice(0, colon)) ?? null;
  const child = parent.ele(ns, node.name);
  for (const [k, v] of Object.entries(node.attrs ?? {}))
    if (k.startsWith('xmlns:') && scope.get(k.slice(6)) !== v) child.att('http://www.w3.org/2000/xmlns/', k, v);
  for (const [k, v] of Object.entries(plain)) child.att(k, v);
  for (const c of node.children ?? []) write(child, c, inner);
}

/** The message as EPS answers `$convert`: an XML declaration, then two-space indented elements. */
export function toXml(root: XmlElement): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  write(doc, root, new Map());
  return doc.end({ prettyPrint: true, indent: '  ' });
}

/** Provenance.signature.data (base64 of an XML-DSig Signature) as the element EPS embeds in signatureText. */
export function signatureElement(data: string): XmlElement {
  try {
    const bin = atob(data.replace(/\s+/g, ''));
    const xml = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0)));
    // Read as EPS reads it (xml-js compact: practitioner.ts), so what is sent is what EPS would embed.
    return epsView(parseXmlSafely(xml.trim()).documentElement!);
  } catch {
    // Bad base64 (atob), bad UTF-8 (TextDecoder) or bad XML (XmlParseError): all the sender's data.
    throw new FragmentError('Invalid signature format.', 'Provenance.signature.data');
  }
}
