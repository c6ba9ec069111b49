/**
 * A person-readable device name from a User-Agent header ("Chrome on Linux"), for the sessions list.
 * Deliberately small: the raw header stays available as a tooltip for anything this does not name.
 */
const BROWSERS: [RegExp, string][] = [
  [/Edg\//, "Edge"], [/OPR\//, "Opera"], [/HeadlessChrome\//, "Headless Chrome"], [/Chrome\//, "Chrome"],
  [/Firefox\//, "Firefox"], [/Version\/[\d.]+.*Safari\//, "Safari"],
  [/^curl\//, "curl"], [/python-httpx|python-requests|aiohttp/i, "Python client"], [/^node|undici/i, "Node.js client"],
];
const SYSTEMS: [RegExp, string][] = [
  [/Android/, "Android"], [/iPhone|iPad|iPod/, "iOS"], [/Windows NT/, "Windows"], [/Mac OS X|Macintosh/, "macOS"],
  [/CrOS/, "ChromeOS"], [/Linux/, "Linux"],
];

export function deviceName(userAgent: string): string {
  if (!userAgent) return "Unknown device";
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? (userAgent.length > 40 ? `${userAgent.slice(0, 40)}…` : userAgent);
}

export function isMobile(userAgent: string): boolean {
  return /Android|iPhone|iPad|iPod|Mobile/.test(userAgent);
}
