// Not built yet: this page is being written (issue 10).
export function AccountPage() {
  return (
    <section>
      <h1>Account</h1>
      <p>This page is not built yet.</p>
    </section>
  );
}
