import { FormEvent, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ConsoleUserView } from '@console-api';
import { ProblemView, QueryView } from '../components/QueryView';
import { api, get } from '../lib/api';
import { formatTime } from '../lib/format';

function useUserWrite(fn: (arg: string) => Promise<unknown>) {
  const client = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => client.invalidateQueries({ queryKey: ['users'] }) });
}

function AddUser() {
  const [form, setForm] = useState({ username: '', role: 'operator', password: '', operatorKeyId: '' });
  const add = useUserWrite(() =>
    api('POST', '/users', { ...form, operatorKeyId: form.operatorKeyId || undefined }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate('');
  };
  const field = (name: keyof typeof form) => ({
    name,
    value: form[name],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value }),
  });
  return (
    <form className="panel inline-form" onSubmit={submit} aria-label="Add a user">
      <label>
        User name <input {...field('username')} required />
      </label>
      <label>
        Role
        <select {...field('role')}>
          <option value="operator">operator</option>
          <option value="regulator">regulator</option>
          <option value="compliance">compliance</option>
          <option value="admin">admin</option>
        </select>
      </label>
      <label>
        Password <input type="password" autoComplete="new-password" {...field('password')} required />
      </label>
      <label>
        Operator key id <input {...field('operatorKeyId')} />
      </label>
      <button type="submit" className="primary">
        Add user
      </button>
      {add.error ? <ProblemView error={add.error} /> : null}
    </form>
  );
}

function UserRow({ user }: { user: ConsoleUserView }) {
  const toggle = useUserWrite((name) =>
    api('POST', `/users/${name}/${user.status === 'active' ? 'disable' : 'enable'}`),
  );
  const reset = useUserWrite((name) => {
    const password = window.prompt(`New password for ${name} (at least 10 characters)`);
    return password ? api('POST', `/users/${name}/password`, { password }) : Promise.resolve();
  });
  return (
    <tr data-user={user.username}>
      <th scope="row">{user.username}</th>
      <td>{user.role}</td>
      <td>
        {user.status}
        {user.lockedUntil ? ` (locked until ${formatTime(user.lockedUntil)})` : ''}
      </td>
      <td>{user.operatorKeyId ?? '—'}</td>
      <td>{formatTime(user.lastLoginAt)}</td>
      <td>
        <button type="button" onClick={() => toggle.mutate(user.username)}>
          {user.status === 'active' ? 'Disable' : 'Enable'}
        </button>{' '}
        <button type="button" onClick={() => reset.mutate(user.username)}>
          Reset password
        </button>
        {toggle.error || reset.error ? <ProblemView error={toggle.error ?? reset.error} /> : null}
      </td>
    </tr>
  );
}

export function UsersPage() {
  const query = useQuery({ queryKey: ['users'], queryFn: () => get<{ users: ConsoleUserView[] }>('/users') });
  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <AddUser />
      <QueryView query={query}>
        {(data) => (
          <table>
            <caption>Console users</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Operator key</th>
                <th scope="col">Last login</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.users.map((u) => (
                <UserRow key={u.username} user={u} />
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
    </section>
  );
}
