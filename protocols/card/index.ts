// Card wire formats: BER-TLV, APDUs, status words, PIV objects and PKCS#1 padding. Pure; no I/O.
export * from './tlv';
export * from './apdu';
export * from './status';
export * from './piv';
export * from './pkcs1';
