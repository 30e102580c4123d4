import { z } from 'zod';
import { defineCommand } from './registry';
import { patientSnapshot } from '../prescribing/model';

export const patientsGet = defineCommand({
  name: 'patients.get',
  summary: 'Find a patient by NHS number in the patient index',
  http: { method: 'GET', path: '/patients/{nhsNumber}' },
  input: z.object({ nhsNumber: z.string().max(20).describe('10 digits; spaces are ignored') }),
  output: patientSnapshot,
  needs: { scope: 'prescribe', session: true },
  cli: { positional: ['nhsNumber'] },
  errors: ['not-found', 'invalid-input'],
  run: async (input, ctx) => ctx.services.patients().byNhsNumber(input.nhsNumber, ctx.services.sessionAuth()),
});

export const patientsSearch = defineCommand({
  name: 'patients.search',
  summary: 'Search the patient index by family name and date of birth (and given name, postcode)',
  http: { method: 'GET', path: '/patients' },
  input: z.object({
    family: z.string().trim().min(1).max(35),
    birthDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .describe('YYYY-MM-DD'),
    given: z.string().trim().max(35).optional(),
    postcode: z.string().trim().max(10).optional(),
  }),
  output: z.object({ patients: z.array(patientSnapshot) }),
  needs: { scope: 'prescribe', session: true },
  run: async (input, ctx) => ({
    patients: await ctx.services.patients().search(
      {
        family: input.family,
        birthDate: input.birthDate,
        ...(input.given ? { given: input.given } : {}),
        ...(input.postcode ? { postcode: input.postcode } : {}),
      },
      ctx.services.sessionAuth(),
    ),
  }),
});

export const patientCommands = [patientsGet, patientsSearch];
