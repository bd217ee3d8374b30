import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CfnStage, CorsHttpMethod, HttpApi, HttpMethod, HttpRoute, HttpRouteKey, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { routeKey, type RouteSpec } from '../../contract/routes';
import { pascal } from './storage';

export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

export interface RewindApiProps {
  /** The routes to serve (contract/routes.ts). */
  routes: readonly RouteSpec[];
  /** The function that serves each route's `handler`. */
  functionFor: (handler: string) => IFunction;
  /** OIDC issuer whose JWTs are accepted; API Gateway fetches its keys from the issuer's discovery document. */
  jwtIssuer: string;
  jwtAudience: string[];
  /** Stage-wide default: the control-plane routes. */
  throttle: Throttle;
  /** The serving routes' own limits (each route gets them), and which handlers serve. */
  serving: Throttle & { handlers: readonly string[] };
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
  /** Origins answered CORS (the web console's distribution); none: no CORS at all. */
  corsOrigins?: string[];
}

/**
 * The HTTP API: one route per entry of contract/routes.ts, every one behind the JWT
 * authorizer (no token: API Gateway answers 401 before any function runs), a JSON access log
 * line per request with the caller's subject, and throttling at the stage with the serving
 * route limited separately from the control plane.
 */
export class RewindApi extends Construct {
  public readonly httpApi: HttpApi;
  public readonly stage: HttpStage;
  public readonly accessLogs: LogGroup;
  public readonly routes: Readonly<Record<string, HttpRoute>>;
  /** The base URL of the API (the `$default` stage, so no stage segment). */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: RewindApiProps) {
    super(scope, id);
    const authorizer = new HttpJwtAuthorizer('Jwt', props.jwtIssuer, {
      jwtAudience: props.jwtAudience,
      identitySource: ['$request.header.Authorization'],
    });
    this.httpApi = new HttpApi(this, 'Http', {
      description: 'Rewind control plane and feature serving',
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
      // Preflights are answered by API Gateway itself, before the authorizer; only the console's origin is allowed.
      ...(props.corsOrigins?.length
        ? {
            corsPreflight: {
              allowOrigins: props.corsOrigins,
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.DELETE],
              allowHeaders: ['authorization', 'content-type'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });

    const routes: Record<string, HttpRoute> = {};
    for (const route of props.routes) {
      routes[routeKey(route)] = new HttpRoute(this, `Route${route.method}${pascal(route.path)}`, {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: new HttpLambdaIntegration(`${pascal(route.handler)}Integration`, props.functionFor(route.handler)),
        authorizer,
      });
    }
    this.routes = routes;

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: props.logRemovalPolicy });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            responseLength: '$context.responseLength',
            sub: '$context.authorizer.claims.sub',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    // The serving routes (single and batch reads) get their own limits so a burst of model
    // traffic cannot be throttled by (or starve) the control plane's budget.
    const servingRoutes = props.routes.filter((r) => props.serving.handlers.includes(r.handler));
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    // RouteSettings is untyped JSON in the L1: CloudFormation's own (Pascal case) names.
    cfnStage.routeSettings = Object.fromEntries(
      servingRoutes.map((r) => [routeKey(r), { ThrottlingRateLimit: props.serving.rateLimit, ThrottlingBurstLimit: props.serving.burstLimit }]),
    );
    // Route settings name routes by key: the routes must exist before the stage refers to them.
    for (const r of servingRoutes) cfnStage.node.addDependency(routes[routeKey(r)]!);

    this.url = this.stage.url;
  }
}
