import { useState } from 'react';
import { useEvents } from '../hooks/useEvents';

/** Says when the page has lost Scrip (e.g. the agent stopped), so nothing on screen is trusted as live. */
export function ConnectionNotice() {
  const [lost, setLost] = useState(false);
  useEvents((e) => {
    if (e.type === 'connection.lost') setLost(true);
    else if (e.type === 'connection.restored') setLost(false);
  });
  if (!lost) return null;
  return (
    <div className="nhsuk-warning-callout" data-testid="connection-lost">
      <h2 className="nhsuk-warning-callout__label">
        <span role="text">
          <span className="nhsuk-u-visually-hidden">Important: </span>Connection to Scrip lost
        </span>
      </h2>
      <p>What you see here may be out of date. Check that Scrip is still running; this page reconnects by itself.</p>
    </div>
  );
}
