/** The web client's entry point: the page's controls, wired to the app. */
import { ChatApp } from './app.js';
import { View } from './view.js';

const view = new View();
const app = new ChatApp(view);

view.connectForm.addEventListener('submit', (e) => {
  e.preventDefault();
  app.connect(view.nameInput.value);
});

view.joinForm.addEventListener('submit', (e) => {
  e.preventDefault();
  void app.join(view.roomInput.value);
});

view.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  void app.send();
});

// Enter sends; Shift+Enter is a new line in the message (a multi-line MESSAGE, T11).
view.messageInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    void app.send();
  }
});

// An error shown in place stays until the field it is about is edited.
view.roomInput.addEventListener('input', () => view.error('join', ''));
view.messageInput.addEventListener('input', () => view.error('send', ''));

view.leaveButton.addEventListener('click', () => void app.leave());
view.disconnectButton.addEventListener('click', () => app.disconnect());

document.getElementById('rooms')?.addEventListener('click', (e) => {
  const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-room]');
  const room = button?.dataset['room'];
  if (room !== undefined) {
    app.select(room);
    view.messageInput.focus();
  }
});

// Alt+ArrowUp / Alt+ArrowDown move between rooms from anywhere on the page.
document.addEventListener('keydown', (e) => {
  if (!e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
  e.preventDefault();
  app.step(e.key === 'ArrowUp' ? -1 : 1);
});
