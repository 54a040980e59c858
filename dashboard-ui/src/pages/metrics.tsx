export function MetricsPage(_props: { params: URLSearchParams }) {
  return <h1>metrics: not built yet</h1>;
}
