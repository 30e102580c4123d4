// A signed prescription as `prescription.verify` receives it — a FHIR prescription-order Bundle
// with its Provenance signature, or an HL7 v3 ParentPrescription (XML) — read into what the
// verifier needs. For HL7 v3 the FragmentsToBeHashed are taken from the message itself, as EPS's
// extractFragments does: the author's time and the prescription's first id, the author AgentPerson,
// the recordTarget, each pertinentLineItem without repeatNumber/low and its status
// (pertinentInformation4), each fragment in the HL7 namespace, all read as EPS reads XML. Pure.
import { parseXmlSafely, XmlParseError } from '../xml/parse';
import { el, type XmlElement, type XmlNode } from '../xml/canonical';
import { epsCanonical, epsView, localName, viewChildren } from '../xml/eps-view';
import type { DomNode } from '../xml/exc-c14n';
import { arr, obj, type Json } from '../fhir/json';
import { findRequesterSignature, fhirSignedPrescription, type SignedPrescription } from './signature';

const HL7 = 'urn:hl7-org:v3';

export class SignedInputError extends Error {}

export interface ReadPrescription {
  kind: 'fhir' | 'hl7v3';
  /** The short-form prescription ID, when the message gives one. */
  prescriptionId: string | null;
  prescription: SignedPrescription;
}

/** Reads a signed prescription from text: JSON is a FHIR Bundle, XML an HL7 v3 ParentPrescription. */
export function readSignedPrescription(text: string): ReadPrescription {
  const t = text.replace(/^\uFEFF/, '').trim();
  if (t.startsWith('{')) {
    let bundle: Json;
    try {
      bundle = JSON.parse(t) as Json;
    } catch (e) {
      throw new SignedInputError(`The text starts like JSON but is not JSON: ${(e as Error).message}`);
    }
    return readBundle(bundle);
  }
  if (t.startsWith('<')) return readParentPrescription(t);
  throw new SignedInputError('This is neither a FHIR Bundle (JSON) nor an HL7 v3 ParentPrescription (XML).');
}

export function readBundle(bundle: Json): ReadPrescription {
  if (bundle.resourceType !== 'Bundle')
    throw new SignedInputError(
      `The JSON is a ${typeof bundle.resourceType === 'string' ? bundle.resourceType : 'value'} with no resourceType "Bundle".`,
    );
  const mr = arr(bundle.entry)
    .map((e) => obj(e.resource))
    .find((r) => r.resourceType === 'MedicationRequest');
  if (!mr) throw new SignedInputError('The Bundle has no MedicationRequest: it is not a prescription-order.');
  const group = obj(mr.groupIdentifier).value;
  const prescriptionId = typeof group === 'string' ? group : null;
  const sig = findRequesterSignature(bundle);
  if (!sig) {
    return {
      kind: 'fhir',
      prescriptionId,
      prescription: {
        signature: null,
        missing: "The Bundle has no Provenance signature by the prescription's requester.",
        signedAt: null,
        fragments: () => {
          throw new Error('no signature');
        },
      },
    };
  }
  return { kind: 'fhir', prescriptionId, prescription: fhirSignedPrescription(sig.xml, bundle, sig.when) };
}

function findElements(node: DomNode, name: string, out: DomNode[] = []): DomNode[] {
  for (let i = 0; i < node.childNodes.length; i++) {
    const c = node.childNodes.item(i)!;
    if (c.nodeType !== 1) continue;
    if (localName(c) === name) out.push(c);
    else findElements(c, name, out);
  }
  return out;
}

const one = (e: XmlElement | undefined, name: string, where: string): XmlElement => {
  const c = e ? viewChildren(e, name) : [];
  if (c.length !== 1)
    throw new SignedInputError(
      `The ParentPrescription has ${c.length || 'no'} ${name} in ${where}; it needs exactly one.`,
    );
  return c[0]!;
};

/** EPS's namespacedCopyOf: the fragment in the HL7 namespace unless it declares its own. */
const namespaced = (e: XmlElement): XmlElement => ({ ...e, attrs: { xmlns: HL7, ...e.attrs } });

/** EPS's getLineItemFragment: no repeatNumber/low, no status. */
function lineItemFragment(li: XmlElement): XmlElement {
  const children = (li.children ?? []).flatMap((c): XmlNode[] => {
    if (typeof c === 'string') return [c];
    if (c.name === 'pertinentInformation4') return [];
    if (c.name === 'repeatNumber') return [el('repeatNumber', {}, viewChildren(c, 'high')[0])];
    return [c];
  });
  return namespaced({ ...li, children });
}

export function readParentPrescription(xml: string): ReadPrescription {
  let doc: DomNode;
  try {
    doc = parseXmlSafely(xml);
  } catch (e) {
    throw new SignedInputError(
      e instanceof XmlParseError ? e.message : `The XML cannot be read: ${(e as Error).message}`,
    );
  }
  const found =
    localName(doc.documentElement!) === 'ParentPrescription'
      ? [doc.documentElement!]
      : findElements(doc.documentElement!, 'ParentPrescription');
  if (found.length !== 1)
    throw new SignedInputError(
      found.length
        ? `The XML holds ${found.length} ParentPrescriptions; give one at a time.`
        : 'The XML holds no HL7 v3 ParentPrescription.',
    );
  // Names without prefixes, as EPS reads what Spine sends (readXmlStripNamespace).
  const pp = epsView(found[0]!, { localNames: true });
  const pertinent = one(
    one(pp, 'pertinentInformation1', 'ParentPrescription'),
    'pertinentPrescription',
    'pertinentInformation1',
  );
  const author = one(pertinent, 'author', 'pertinentPrescription');
  const ids = viewChildren(pertinent, 'id');
  const shortId = ids.map((i) => i.attrs?.extension).find((x) => x !== undefined) ?? null;
  const time = viewChildren(author, 'time')[0];
  const signatureText = viewChildren(author, 'signatureText')[0];
  // The Signature as EPS reads it: its own name (a prefixed ds:Signature is not read), namespace attributes kept.
  const sigDom = signatureFromDom(found[0]!);
  const signature = sigDom ? epsView(sigDom) : null;
  const missing = !signatureText
    ? 'The author has no signatureText.'
    : !signature
      ? signatureText.attrs?.nullFlavor
        ? `The prescription is not signed (signatureText nullFlavor="${signatureText.attrs.nullFlavor}").`
        : 'The signatureText holds no Signature.'
      : undefined;
  const signedAt = time?.attrs?.value ?? null;
  return {
    kind: 'hl7v3',
    prescriptionId: shortId,
    prescription: {
      signature,
      ...(missing ? { missing } : {}),
      signedAt,
      fragments: () => {
        if (!time) throw new SignedInputError('The author has no time.');
        const lineItems = viewChildren(pertinent, 'pertinentInformation2').map((p) =>
          one(p, 'pertinentLineItem', 'pertinentInformation2'),
        );
        const fragments = el(
          'FragmentsToBeHashed',
          {},
          el('Fragment', {}, namespaced(time), namespaced(ids[0] ?? el('id'))),
          el('Fragment', {}, namespaced(one(author, 'AgentPerson', 'author'))),
          el('Fragment', {}, namespaced(one(pp, 'recordTarget', 'ParentPrescription'))),
          ...lineItems.map((li) => el('Fragment', {}, lineItemFragment(li))),
        );
        return epsCanonical(fragments);
      },
    },
  };
}

/** author/signatureText/Signature of the ParentPrescription's pertinentPrescription, as a DOM node. */
function signatureFromDom(pp: DomNode): DomNode | null {
  const child = (n: DomNode | null, name: string): DomNode | null => {
    if (!n) return null;
    for (let i = 0; i < n.childNodes.length; i++) {
      const c = n.childNodes.item(i)!;
      if (c.nodeType === 1 && localName(c) === name) return c;
    }
    return null;
  };
  const st = child(
    child(child(child(pp, 'pertinentInformation1'), 'pertinentPrescription'), 'author'),
    'signatureText',
  );
  return child(st, 'Signature');
}
