export function ResourcesPage(_props: { params: URLSearchParams }) {
  return <h1>resources: not built yet</h1>;
}
