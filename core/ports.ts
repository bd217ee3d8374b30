/** Kept so existing imports of 'core/ports' resolve; the ports live in core/ports/, one file per concern. */
export * from './ports/index';
