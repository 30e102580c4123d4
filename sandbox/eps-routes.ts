// Registers the EPS FHIR services with the sandbox server when they are built (sandbox/eps).
// Kept as its own module so the server and CLI need no edit when EPS routes arrive.
export {};
