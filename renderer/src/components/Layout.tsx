import { useEffect, useRef, useState, type ReactNode } from 'react';
import { href, routes, type RoutePath } from '../routes';
import { CardBar } from './CardBar';
import { LiveAnnouncer } from './LiveAnnouncer';
import { ConnectionNotice } from './ConnectionNotice';
import { TicketNotice } from './TicketNotice';
import { PageHeadingContext, type PageHeading } from '../hooks/page-heading';
import { useHash } from '../hooks/useHash';

/** Header (service name, no NHS logo), card bar, navigation, main with one h1, footer. */
export function Layout({ path, title, children }: { path: RoutePath; title: string; children: ReactNode }) {
  const h1 = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);
  // A page inside an area (e.g. "Find the patient") names itself; otherwise the area's title.
  const [heading, setHeading] = useState<PageHeading | null>(null);
  const hash = useHash();
  const shown = heading?.heading ?? title;
  useEffect(() => {
    document.title = `${shown} – Scrip`;
  }, [shown]);
  useEffect(() => {
    // Move focus to the page heading on navigation (not on first load), as screen reader users expect.
    if (first.current) {
      first.current = false;
      return;
    }
    // A page that puts focus on its first field (data-autofocus, e.g. the pad's searches) keeps it.
    if (document.activeElement?.closest('[data-autofocus]')) return;
    h1.current?.focus();
  }, [path, hash]);
  return (
    <>
      {/* The hash is the router's: move focus without changing it, or "skip" would leave the page. */}
      <a
        className="nhsuk-skip-link"
        href="#maincontent"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('maincontent')?.focus();
        }}
      >
        Skip to main content
      </a>
      <header className="nhsuk-header" role="banner">
        <div className="nhsuk-header__container nhsuk-width-container">
          <div className="nhsuk-header__service">
            <a className="nhsuk-header__service-logo" href={href('')} aria-label="Scrip home">
              <span className="nhsuk-header__service-name">Scrip</span>
            </a>
          </div>
        </div>
      </header>
      <CardBar />
      <nav className="scrip-nav" aria-label="Main">
        <div className="nhsuk-width-container">
          <ul>
            {routes.map((r) => (
              <li key={r.path}>
                <a href={href(r.path)} aria-current={r.path === path ? 'page' : undefined}>
                  {r.nav}
                </a>
              </li>
            ))}
          </ul>
        </div>
      </nav>
      <div className="nhsuk-width-container">
        <main className="nhsuk-main-wrapper" id="maincontent" tabIndex={-1}>
          {heading?.back ? (
            <a className="nhsuk-back-link" href={heading.back.href}>
              {heading.back.text}
            </a>
          ) : null}
          <h1 ref={h1} tabIndex={-1}>
            {shown}
          </h1>
          <ConnectionNotice />
          <TicketNotice />
          <PageHeadingContext.Provider value={setHeading}>{children}</PageHeadingContext.Provider>
        </main>
      </div>
      <footer role="contentinfo" className="nhsuk-footer">
        <div className="nhsuk-width-container">
          <p className="nhsuk-body-s">Scrip — open source (MIT). Not an NHS product.</p>
        </div>
      </footer>
      <LiveAnnouncer />
    </>
  );
}
