import { SessionNotices } from '../components/SessionNotices';
import { LoginPanel } from '../components/LoginPanel';
import { ReadersPanel } from '../components/ReadersPanel';

/** The home page: what happened to the session, logging in, and the card readers. */
export function Home() {
  return (
    <>
      <SessionNotices />
      <LoginPanel />
      <ReadersPanel />
    </>
  );
}
