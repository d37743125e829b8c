// Not built yet: this page is being written (issue 10).
export function UsersPage() {
  return (
    <section>
      <h1>Users</h1>
      <p>This page is not built yet.</p>
    </section>
  );
}
