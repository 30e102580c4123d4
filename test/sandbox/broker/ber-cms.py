# A CMS SignedData built the way 2017-era broker clients built theirs in Python: the card's
# certificate is decoded by pyasn1 without the X.509 schema and the whole envelope is written with
# pyasn1's BER encoder, so the certificate comes out re-encoded (a critical flag's BOOLEAN TRUE as
# 01, not DER's FF). Written for Scrip's tests (not taken from any client). Optional changes to the
# certificate's fields make the forged variants the broker must refuse.
#
# stdin: JSON {certificate, content, signature: base64; digest: "sha1"|"sha256";
#              replace?: {serial?: int, issuer?: base64 DER Name, subject?: base64 DER Name, spki?: base64 DER}}
# stdout: base64 of the BER ContentInfo
import base64
import json
import sys

from pyasn1.codec.ber import decoder, encoder
from pyasn1.type import tag, univ

DIGESTS = {'sha1': '1.3.14.3.2.26', 'sha256': '2.16.840.1.101.3.4.2.1'}


def ctx0(value):
    """[0], constructed: wraps `value` explicitly."""
    explicit = tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, 0)
    if isinstance(value, univ.Sequence):
        return value.subtype(explicitTag=explicit, cloneValueFlag=True)
    return value.subtype(explicitTag=explicit)


def alg(oid):
    a = univ.Sequence()
    a.setComponentByPosition(0, univ.ObjectIdentifier(oid))
    a.setComponentByPosition(1, univ.Null(''))
    return a


def main():
    req = json.load(sys.stdin)
    cert, rest = decoder.decode(base64.b64decode(req['certificate']))
    assert not rest, 'trailing bytes after the certificate'
    tbs = cert[0]
    # tbsCertificate: [0] version, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
    for field, index in (('issuer', 3), ('subject', 5), ('spki', 6)):
        if field in req.get('replace', {}):
            tbs.setComponentByPosition(index, decoder.decode(base64.b64decode(req['replace'][field]))[0])
    if 'serial' in req.get('replace', {}):
        tbs.setComponentByPosition(1, univ.Integer(req['replace']['serial']))

    certificates = univ.SetOf(tagSet=univ.SetOf.tagSet.tagImplicitly(tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, 0)))
    certificates.setComponentByPosition(0, cert)

    issuer_and_serial = univ.Sequence()
    issuer_and_serial.setComponentByPosition(0, tbs[3])
    issuer_and_serial.setComponentByPosition(1, tbs[1])
    signer = univ.Sequence()
    for i, v in enumerate((univ.Integer(1), issuer_and_serial, alg(DIGESTS[req['digest']]), alg('1.2.840.113549.1.1.1'),
                           univ.OctetString(base64.b64decode(req['signature'])))):
        signer.setComponentByPosition(i, v)
    signers = univ.SetOf()
    signers.setComponentByPosition(0, signer)

    digests = univ.SetOf()
    digests.setComponentByPosition(0, alg(DIGESTS[req['digest']]))
    encap = univ.Sequence()
    encap.setComponentByPosition(0, univ.ObjectIdentifier('1.2.840.113549.1.7.1'))
    encap.setComponentByPosition(1, ctx0(univ.OctetString(base64.b64decode(req['content']))))

    signed_data = univ.Sequence()
    for i, v in enumerate((univ.Integer(1), digests, encap, certificates, signers)):
        signed_data.setComponentByPosition(i, v)
    content_info = univ.Sequence()
    content_info.setComponentByPosition(0, univ.ObjectIdentifier('1.2.840.113549.1.7.2'))
    content_info.setComponentByPosition(1, ctx0(signed_data))
    sys.stdout.write(base64.b64encode(encoder.encode(content_info)).decode('ascii'))


main()
