import { useReaders } from '../hooks/useReaders';
import { useSession } from '../hooks/useSession';
import { jobRoleTitle } from '../words';

/** The card and session bar under the header: which reader, whether a card is in, who is logged in. */
export function CardBar() {
  const { value, error } = useReaders();
  const { value: session } = useSession();
  const role = session?.selectedRole;
  const sessionText = !session?.user
    ? 'Not logged in'
    : role
      ? `${session.user.name}, ${jobRoleTitle(role.jobRoleName)} at ${role.orgName}`
      : `${session.user.name} (choose a role)`;
  const withCard = value?.readers.find((r) => r.present) ?? null;
  const cardText = !value
    ? error
      ? 'Card readers could not be read'
      : 'Checking card readers…'
    : value.service === 'stopped'
      ? 'Smartcard service not running'
      : !value.readers.length
        ? 'No card reader connected'
        : withCard
          ? `Card in ${withCard.name}`
          : 'No card inserted';
  return (
    // A labelled section is a landmark, so screen reader users can jump to the card and session state.
    <section className="scrip-cardbar" aria-label="Card and session">
      <div className="nhsuk-width-container scrip-cardbar__inner">
        <p>
          <strong>Card:</strong> <span data-testid="card-status">{cardText}</span>
        </p>
        <p>
          <strong>Session:</strong> <span data-testid="session-status">{sessionText}</span>
        </p>
      </div>
    </section>
  );
}
