// What a developer video costs: its measured length at the configured price per minute, rounded up to
// the micro-credit (seed 003: 5,000 micro-credits a minute by default).
export const videoCost = (durationSeconds: number, pricePerMinuteMicro: number): number => Math.ceil((durationSeconds * pricePerMinuteMicro) / 60);
