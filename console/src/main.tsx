// Entry point of the admin console (built by Vite, served by coupond at /console).
import { render } from 'preact';
import { App } from './app';
import './styles.css';

render(<App />, document.getElementById('app')!);
