import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.scss';
import { App } from './App';
import { chooseTransport } from './transport';
import { TransportContext } from './hooks/transport-context';
import { ReadersProvider } from './hooks/useReaders';

const transport = chooseTransport();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <TransportContext.Provider value={transport}>
      <ReadersProvider>
        <App />
      </ReadersProvider>
    </TransportContext.Provider>
  </StrictMode>,
);
