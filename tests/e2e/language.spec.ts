import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { placeCall } from '../../scripts/lab/caller';
import { pcmaSdp, rawCall } from '../../scripts/lab/rawCall';
import { expect, test, type Agent } from './support/frontdesk';

/** An outside caller rings; the agent answers with the Russian «Ответить» and hangs up with «Завершить». */
async function answerInRussian(agent: Agent) {
  const call = placeCall({ from: '+74951234567', to: '1000' });
  const card = agent.page.getByRole('article', { name: 'Звонок от +7 495 123 45 67' });
  await expect(card).toContainText('Входящий звонок');
  await expect(card.getByRole('button', { name: 'Отклонить' })).toBeVisible();
  await card.getByRole('button', { name: 'Ответить', exact: true }).click();
  await expect(card).toContainText('Разговор');
  await expect(card.getByRole('button', { name: 'Удержание' })).toBeVisible();
  await expect(card.getByRole('button', { name: 'Перевести' })).toBeVisible();
  await card.getByRole('button', { name: 'Завершить' }).click();
  await expect(card).toContainText('Вы завершили звонок');
  expect((await call.result).ended).toBe('remote-bye');
  // The history says it in Russian too, the plural from Intl.PluralRules.
  await expect(agent.page.getByRole('list', { name: 'История звонков' })).toContainText('Входящий · Принят');
}

test('the agent switches the UI to Russian in Settings: it applies at once, a call is answered with «Ответить», and it stays Russian after a reload', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  await reception.page.getByRole('button', { name: 'Settings' }).click();
  const settings = reception.page.getByRole('region', { name: 'Settings' });
  await expect(settings.getByLabel('Language')).toHaveValue('auto');
  // An English (en-US) system: the CSV export starts with the comma.
  await reception.page.getByRole('button', { name: 'Reports', exact: true }).click();
  await expect(reception.page.getByLabel('Separator')).toHaveValue(',');
  await settings.getByLabel('Language').selectOption({ label: 'Русский' });

  // At once, without a restart: the same page speaks Russian.
  const registration = reception.page.getByRole('status', { name: 'Регистрация' });
  await expect(registration).toHaveText(/Зарегистрирован как 1000/);
  await expect(reception.page.getByRole('button', { name: 'Настройки' })).toBeVisible();
  await expect(reception.page.getByRole('button', { name: 'Отчёты', exact: true })).toBeVisible();
  await expect(reception.page.getByLabel('Номер или внутренний номер')).toBeVisible();
  await expect(reception.page.locator('html')).toHaveAttribute('lang', 'ru');
  await answerInRussian(reception);

  await reception.page.reload();
  await expect(reception.page.getByRole('status', { name: 'Регистрация' })).toHaveText(/Зарегистрирован как 1000/);

  // And back: the language menu names each language in itself, so it is found in either.
  await reception.page.getByRole('button', { name: 'Настройки' }).click();
  await reception.page.getByRole('region', { name: 'Настройки' }).getByLabel('Язык интерфейса (Language)').selectOption({ label: 'English' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  await expect(reception.page.getByRole('button', { name: 'Settings' })).toBeVisible();
});

test('with language "auto" a Russian system (locale ru-RU) gets the Russian UI from the start, and answers a call in it', async ({ agents }) => {
  const reception = await agents({ user: '1000', locale: 'ru-RU' });
  await expect(reception.page.getByRole('status', { name: 'Регистрация' })).toHaveText(/Зарегистрирован как 1000/);
  await expect(reception.page.getByText('Звонков нет. Телефон готов к работе.')).toBeVisible();
  await reception.page.getByRole('button', { name: 'Настройки' }).click();
  await expect(reception.page.getByRole('region', { name: 'Настройки' }).getByLabel('Язык интерфейса (Language)')).toHaveValue('auto');
  await answerInRussian(reception);

  // A Russian spreadsheet splits on ";" (the comma is its decimal separator): the CSV export starts there.
  await reception.page.getByRole('button', { name: 'Отчёты', exact: true }).click();
  await expect(reception.page.getByLabel('Разделитель')).toHaveValue(';');
  // A wrong number is refused in Russian too.
  await reception.page.getByLabel('Номер или внутренний номер').fill('позвонить Олегу');
  await reception.page.getByLabel('Номер или внутренний номер').press('Enter');
  await expect(reception.page.getByRole('alert')).toHaveText('«позвонить Олегу» — это не номер телефона и не внутренний номер');
});

test('a language the administrator provisions and locks wins over the system locale, and the agent cannot change it', async ({ agents }) => {
  const reception = await agents({ user: '1000', locale: 'ru-RU', provisioning: { settings: { language: 'en' }, locked: ['language'] } });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  await reception.page.getByRole('button', { name: 'Settings' }).click();
  const language = reception.page.getByRole('region', { name: 'Settings' }).getByLabel(/^Language/);
  await expect(language).toHaveValue('en');
  await expect(language).toBeDisabled();
  await expect(reception.page.getByText('(set by your administrator)').first()).toBeVisible();
});

test('on a Russian system the PBX refusing the password is told in Russian', async ({ agents }) => {
  const reception = await agents({
    user: '1000',
    locale: 'ru-RU',
    provisioning: { account: { user: '1000', password: 'not-the-password', domain: 'lab.frontdesk.test', wsUrl: 'ws://127.0.0.1:8080', registerExpires: 600 } },
  });
  await expect(reception.page.getByRole('status', { name: 'Регистрация' })).toHaveText(/Не зарегистрирован: неверное имя пользователя или пароль \(401/);
});

test('on a Russian system why a call failed is told in Russian: an offer of G.729 alone, in the history', async ({ agents }) => {
  const reception = await agents({ user: '1000', locale: 'ru-RU' });
  await expect(reception.page.getByRole('status', { name: 'Регистрация' })).toHaveText(/Зарегистрирован как 1000/);
  // (odd-invites.spec.ts checks the 488 and its Warning header, which stays English for the caller's side.)
  const onlyG729 = { contentType: 'application/sdp', content: pcmaSdp(40_000).replace('RTP/AVP 8 101', 'RTP/AVP 18').replace('a=rtpmap:8 PCMA/8000', 'a=rtpmap:18 G729/8000') };
  const call = rawCall({ to: '1000', body: onlyG729 });
  try {
    const row = reception.page.getByRole('listitem', { name: /^\+7 495 123 45 67: Входящий, Ошибка \(Нет общего кодека: звонящий предлагает только G729, а этот телефон поддерживает .*PCMA.*\(отправлен ответ 488\)\)/ });
    await expect(row).toBeVisible();
    expect((await call.final).status).toBe(488);
  } finally {
    await call.stop();
  }
});

test('on a Russian system a refused value and a refusing service are told in Russian, beside the field, and what was typed stays', async ({ agents }) => {
  const reception = await agents({ user: '1000', locale: 'ru-RU' });
  const page = reception.page;
  await expect(page.getByRole('status', { name: 'Регистрация' })).toHaveText(/Зарегистрирован как 1000/);
  await page.getByRole('button', { name: 'Настройки' }).click();
  const settings = page.getByRole('region', { name: 'Настройки' });

  // The settings' check refuses an ftp:// update address: its words in Russian, beside the field.
  const group = settings.getByRole('group', { name: 'Приложение на компьютере' });
  const feed = group.getByRole('textbox', { name: 'Адрес обновлений (от администратора)' });
  await feed.fill('ftp://updates.example.com/frontdesk/');
  await feed.press('Tab');
  await expect(group.getByRole('alert')).toHaveText('нужен пустой адрес или адрес http:// или https://, например https://updates.example.com/frontdesk/');
  await expect(feed).toHaveValue('ftp://updates.example.com/frontdesk/');

  // The services refuse a recordings folder whose path runs through a file: their reason in Russian.
  const blocker = path.join(reception.host.dataDir, 'not-a-folder');
  writeFileSync(blocker, 'x');
  const folder = settings.getByLabel(/^Папка записей/);
  await folder.fill(path.join(blocker, 'calls'));
  await folder.press('Enter');
  await expect(settings.getByRole('alert').filter({ hasText: 'записи нельзя' })).toHaveText(`записи нельзя сохранять в ${path.join(blocker, 'calls')}: часть этого пути — файл, а не папка`);
  await expect(folder).toHaveValue(path.join(blocker, 'calls'));
});

test("on a Russian system a malformed provisioning file's values are told in Russian, field by field", async ({ agents }) => {
  const agent = await agents({
    user: '1000',
    locale: 'ru-RU',
    rawProvisioning: JSON.stringify({ version: 1, account: { user: '1000', password: '', domain: 'lab.frontdesk.test', wsUrl: 'http://127.0.0.1:8080' }, settings: { defaultRegion: 'Russia' } }),
  });
  const alert = agent.page.getByRole('alert', { name: 'Ошибка файла настройки' });
  await expect(alert.getByRole('listitem').filter({ hasText: 'account.wsUrl' })).toHaveText('account.wsUrl: адрес должен начинаться с ws:// или wss://');
  await expect(alert.getByRole('listitem').filter({ hasText: 'settings.defaultRegion' })).toHaveText('settings.defaultRegion: нужен двухбуквенный код страны, например «RU» или «GB»');
  // zod's own check (an empty password), in Russian through zod's locale.
  await expect(alert.getByRole('listitem').filter({ hasText: 'account.password' })).toContainText('Слишком маленькое значение');
  await expect(alert).toContainText('Из него ничего не применено.');
});

test("on a Russian system a call script file's problems are listed in Russian in the side panel, with the file and the line", async ({ agents }) => {
  const broken = 'id: broken\ntitle: Broken\nlanguage: ru\npages:\n  - id: start\n    title: Start\n    blocks:\n      - say: ""\n        colour: red\n';
  const agent = await agents({ user: '1000', locale: 'ru-RU', dataFiles: { 'call-scripts/broken.yaml': broken, 'call-scripts/twice.yaml': 'id: x\nid: y\n' } });
  await expect(agent.page.getByRole('status', { name: 'Регистрация' })).toHaveText(/Зарегистрирован как 1000/);
  const panel = agent.page.getByRole('region', { name: 'Звонящий' });
  await panel.getByText('Пропущено 2 сценария разговора (3 ошибки)').click();
  const problems = panel.getByRole('listitem');
  await expect(problems.filter({ hasText: 'broken.yaml:8' })).toHaveText('broken.yaml:8: страница «start», блок 1, say: не должно быть пустым');
  await expect(problems.filter({ hasText: 'colour' })).toHaveText('broken.yaml:9: страница «start», блок 1: неизвестное поле «colour»');
  await expect(problems.filter({ hasText: 'twice.yaml' })).toHaveText('twice.yaml:2: ошибка YAML: здесь одно и то же поле написано дважды');
});
