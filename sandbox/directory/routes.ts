// The directory's one route: a role profile with its user and organisation, as the app reads the
// prescriber's details after login. Any live session may read it.
import { isRefusal, type RouteModule } from '../http/context';
import { json } from '../http/router';
import { operationOutcome } from '../pds/pds';

export const directoryRoutes: RouteModule = (ctx) => [
  {
    method: 'GET',
    path: '/directory/PractitionerRole/{id}',
    handle: (req) => {
      const a = ctx.authorise(req);
      if (isRefusal(a)) return a;
      const user = ctx.directory.read().users.find((u) => u.roles.some((r) => r.id === req.params.id));
      const role = user?.roles.find((r) => r.id === req.params.id);
      if (!user || !role) return operationOutcome(404, 'not-found', 'RESOURCE_NOT_FOUND', 'No such role profile.');
      return json(200, {
        user: {
          id: user.id,
          name: user.name,
          professionalCode: user.professionalCode ?? null,
          telecom: user.telecom,
        },
        role,
        organisation: ctx.directory.organisation(role.orgCode),
      });
    },
  },
];
