/**
 * Imported first by `npm start` and the demo: the AWS SDK prints an eight-line notice on every
 * start under Node 20 (its releases from 2027 on need Node 22). The local runtime supports
 * Node 20 on purpose (README, requirements) and Lambda runs nodejs22.x, so the notice only
 * buries the URL and the token a user is looking for. Set before the SDK is first loaded;
 * a value the user set wins.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
