/**
 * Test data for the benchmarks: generated clients (scripts/bench/directory.bench.ts,
 * scripts/bench/import.bench.ts).
 */
// A fixed seed, so two runs measure the same data (mulberry32: 32-bit integer arithmetic throughout).
let seed = 0x5eed_d1c;
export const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};
export const int = (n: number) => Math.floor(random() * n);
export const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

const ruMale = ['Олег', 'Сергей', 'Дмитрий', 'Иван', 'Алексей', 'Андрей', 'Михаил', 'Павел', 'Николай', 'Юрий', 'Пётр', 'Артём'];
const ruFemale = ['Анна', 'Ольга', 'Татьяна', 'Мария', 'Елена', 'Наталья', 'Ирина', 'Светлана', 'Юлия', 'Ксения', 'Алёна', 'Дарья'];
const ruSurnames = ['Петров', 'Смирнов', 'Иванов', 'Кузнецов', 'Соколов', 'Попов', 'Лебедев', 'Козлов', 'Новиков', 'Морозов', 'Волков', 'Фёдоров', 'Михайлов', 'Беляев', 'Тарасов', 'Белов', 'Комаров', 'Орлов', 'Киселёв', 'Макаров'];
const ruPatronymics = ['Иванович', 'Сергеевич', 'Олегович', 'Петрович', 'Андреевич', 'Николаевич'];
const enFirst = ['John', 'Sarah', 'Peter', 'Emma', 'David', 'Laura', 'James', 'Olivia', 'Michael', 'Sophie'];
const enLast = ['Smith', 'Brown', 'Taylor', 'Wilson', 'Evans', 'Thomas', 'Roberts', 'Walker', 'Wright', 'Novak'];
export const companies = ['Ромашка', 'Жемчуг', 'Вектор', 'Альфа-Строй', 'СеверТорг', 'Гранит', 'Меридиан', 'Acme', 'Northwind', 'Globex', 'Initech', 'Umbrella'];
const forms = ['ООО', 'АО', 'ИП', 'Ltd', 'LLC'];
const positions = ['Директор', 'Менеджер по закупкам', 'Главный бухгалтер', 'Инженер', 'Office manager', 'CEO', ''];
export const tagsPool = ['new', 'VIP', 'client-club', 'опт', 'розница', 'партнёр'];
const managers = ['Анна Соколова', 'Игорь Белов', 'Мария Орлова', 'Peter Walker'];
export const codes = ['495', '499', '812', '343', '383', '903', '916', '926', '965', '977'];

export interface Contact {
  name: string;
  numbers: string[];
}

/** One number in one of the spellings people use. */
export const spell = (n: string, how: number) => {
  const d = n.slice(2); // 10 digits after +7
  switch (how % 3) {
    case 0:
      return `+7 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6, 8)}-${d.slice(8)}`;
    case 1:
      return `8${d}`;
    default:
      return d;
  }
};

/**
 * `count` contacts as a ";"-delimited CSV with Russian headers and a BOM (as Russian Excel writes
 * it): 75 % Russian names, one to three phone numbers each in the spellings people use, companies,
 * emails, tags, managers. Deterministic (a fixed seed); the same random stream continues after it.
 */
export function generateContacts(count: number): { csv: string; contacts: Contact[] } {
  const contacts: Contact[] = [];
  const esc = (s: string) => (/[;"\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = ['\uFEFFФИО;Телефон;Мобильный;Доп. телефон;Компания;Должность;E-mail;Теги;Менеджер'];
  for (let i = 0; i < count; i++) {
    let name: string;
    if (random() < 0.75) {
      const female = random() < 0.5;
      const surname = pick(ruSurnames) + (female ? 'а' : '');
      name = `${surname} ${pick(female ? ruFemale : ruMale)}${random() < 0.5 ? ` ${pick(ruPatronymics).replace(/ич$/, female ? 'на' : 'ич')}` : ''}`;
    } else name = `${pick(enFirst)} ${pick(enLast)}`;
    const phoneCount = 1 + int(3);
    const numbers = Array.from({ length: phoneCount }, () => `+7${pick(codes)}${String(int(10_000_000)).padStart(7, '0')}`);
    contacts.push({ name, numbers });
    const company = random() < 0.7 ? `${pick(forms)} «${pick(companies)}${random() < 0.5 ? `-${int(100)}` : ''}»` : '';
    const email = random() < 0.6 ? `user${i}@${pick(['mail.ru', 'yandex.ru', 'gmail.com', 'example.com'])}` : '';
    const tags = Array.from({ length: int(3) }, () => pick(tagsPool)).join(', ');
    const cells = [name, spell(numbers[0]!, int(3)), numbers[1] ? spell(numbers[1], int(3)) : '', numbers[2] ? spell(numbers[2], int(3)) : '', company, pick(positions), email, tags, pick(managers)];
    lines.push(cells.map(esc).join(';'));
  }
  return { csv: `${lines.join('\r\n')}\r\n`, contacts };
}

/** One thing an agent types in the type-ahead box: a name prefix, another word, digits of a number, a company or tag. */
export function typeAheadText(contacts: readonly Contact[]): { kind: string; text: string } {
  const c = contacts[int(contacts.length)]!;
  const words = c.name.split(' ');
  switch (int(4)) {
    case 0:
      return { kind: 'name, 1-5 chars', text: c.name.slice(0, 1 + int(5)) };
    case 1:
      return { kind: 'other word, 1-5 chars', text: pick(words.slice(1)).slice(0, 1 + int(5)) };
    case 2: {
      const d = pick(c.numbers).slice(2);
      const start = int(5);
      return { kind: 'digits fragment', text: d.slice(start, start + 3 + int(5)) };
    }
    default:
      return { kind: 'company/tag', text: pick([...companies, ...tagsPool]).slice(0, 2 + int(4)) };
  }
}
