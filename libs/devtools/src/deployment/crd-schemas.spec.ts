import path from 'node:path';
import { crdProblems, crdValidator, withoutDescriptions } from './crd-schemas';
import { obj, Obj } from './compose';
import { K8S_ROOT, renderOverlay } from './overlay';

const production = () => renderOverlay(path.join(K8S_ROOT, 'overlays', 'production'));
const find = (docs: Obj[], kind: string, name: string) =>
  docs.find((d) => d.kind === kind && obj(d.metadata).name === name)!;
const problemsOf = (doc: Obj) => crdProblems(crdValidator(String(doc.apiVersion), String(doc.kind))!, doc);

describe("custom resources against their operators' CRD schemas (deploy/crds)", () => {
  it('has a schema for every custom resource of the production overlay, and each object passes', () => {
    const custom = production()
      .map((d) => d.doc)
      .filter((d) => /\.(strimzi\.io|cnpg\.io)\//.test(String(d.apiVersion)));
    expect(new Set(custom.map((d) => d.kind))).toEqual(
      new Set(['Cluster', 'Kafka', 'KafkaNodePool', 'KafkaTopic']),
    );
    for (const doc of custom)
      expect([obj(doc.metadata).name, problemsOf(doc)]).toEqual([obj(doc.metadata).name, []]);
  });

  it('reports a missing required field, a value out of range or enum, and a field the schema does not have', () => {
    const docs = production().map((d) => d.doc);
    const kafka = find(docs, 'Kafka', 'concord');
    delete obj((obj(obj(kafka.spec).kafka).listeners as Obj[])[0]).tls;
    expect(problemsOf(kafka)).toEqual(["/spec/kafka/listeners/0 must have required property 'tls'"]);
    const topic = find(docs, 'KafkaTopic', 'ledger-commands');
    obj(topic.spec).partitions = 0;
    expect(problemsOf(topic)).toEqual(['/spec/partitions must be >= 1']);
    const pool = find(docs, 'KafkaNodePool', 'dual');
    obj(pool.spec).storage = { type: 'disk' };
    expect(problemsOf(pool)).toContain('/spec/storage/type must be equal to one of the allowed values');
    const cluster = find(docs, 'Cluster', 'concord-db');
    obj(cluster.spec).instancez = 3;
    expect(problemsOf(cluster)).toEqual(['/spec/instancez is not a field of the schema']);
  });

  it('keeps a property named description while it drops the descriptions', () => {
    const schema = {
      description: 'a thing',
      properties: { description: { type: 'string', description: 'its text' } },
    };
    expect(withoutDescriptions(schema)).toEqual({ properties: { description: { type: 'string' } } });
  });

  it('has no schema for a kind it does not vendor', () => {
    expect(crdValidator('kafka.strimzi.io/v1', 'KafkaMirrorMaker2')).toBeUndefined();
  });
});
