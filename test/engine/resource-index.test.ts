import { Json } from '../../src/engine/json';
import { ResourceView } from '../../src/engine/model';
import { ResourceIndex } from '../../src/engine/resource-index';

// The index is what every front door follows references through; these pin its own rules
// (the front doors' suites pin it through them).

function view(key: string, logicalId: string, properties: Json = {}): ResourceView {
  return { key, logicalId, type: 'AWS::EC2::Instance', properties, path: key };
}

function index(): ResourceIndex {
  return new ResourceIndex({ isAcknowledged: () => false });
}

describe('ResourceIndex', () => {
  test('follows a Ref within its template and an import to the exporting template', () => {
    const ix = index();
    ix.addTemplate({ id: 'a', deployment: 'A' });
    ix.addTemplate({ id: 'b', deployment: 'B' });
    ix.addExport('LtId', 'a', { Ref: 'Lt' });
    const lt = ix.add(view('a#Lt', 'Lt'), 'a');
    const local = ix.add(view('a#I', 'I', { LaunchTemplate: { Ref: 'Lt' } }), 'a');
    const remote = ix.add(view('b#I', 'I', { LaunchTemplate: { 'Fn::ImportValue': 'LtId' } }), 'b');
    expect(ix.resourceAt(local, ['LaunchTemplate'])).toBe(lt);
    expect(ix.resourceAt(remote, ['LaunchTemplate'])).toBe(lt);
    expect(ix.deploymentOf(remote)).toBe('B');
    expect(ix.templateIdOf(lt)).toBe('a');
  });

  test('writes an imported literal or launch template version in place of the import', () => {
    const ix = index();
    ix.addTemplate({ id: 'a', deployment: 'A' });
    ix.addExport('Tokens', 'a', 'required');
    ix.addExport('Version', 'a', { 'Fn::GetAtt': ['Lt', 'LatestVersionNumber'] });
    ix.addExport('Id', 'a', { Ref: 'Lt' });
    const v = ix.add(view('a#I', 'I', {
      Tokens: { 'Fn::ImportValue': 'Tokens' },
      Version: { 'Fn::ImportValue': 'Version' },
      Id: { 'Fn::ImportValue': 'Id' },
    }), 'a');
    expect(v.properties).toEqual({
      Tokens: 'required',
      Version: { 'Fn::GetAtt': ['Lt', 'LatestVersionNumber'] },
      Id: { 'Fn::ImportValue': 'Id' },
    });
  });

  test('crosses nested stack parameters and outputs', () => {
    const ix = index();
    ix.addTemplate({ id: 'p', deployment: 'P', isResource: (id) => id === 'Lt' || id === 'Child' });
    ix.addTemplate({
      id: 'c',
      deployment: 'P',
      isResource: (id) => id === 'I',
      parent: { templateId: 'p', logicalId: 'Child', passes: new Map([['LtParam', { Ref: 'Lt' }]]) },
      outputs: new Map([['Out', { Ref: 'I' }]]),
    });
    const lt = ix.add(view('p#Lt', 'Lt'), 'p');
    const child = ix.add(view('c#I', 'I', { LaunchTemplate: { Ref: 'LtParam' } }), 'c');
    const parent = ix.add(view('p#J', 'J', { Source: { 'Fn::GetAtt': ['Child', 'Outputs.Out'] } }), 'p');
    expect(ix.resourceAt(child, ['LaunchTemplate'])).toBe(lt);
    expect(ix.resourceAt(parent, ['Source'])).toBe(child);
  });

  test('asks the front door where a Ref points when it knows better (the construct tree)', () => {
    const target = view('other#Lt', 'Lt');
    const ix = new ResourceIndex({ isAcknowledged: () => false, resolveReference: (_from, ref) => ref.logicalId === 'Lt' ? target : undefined });
    ix.addTemplate({ id: 'here', deployment: 'H' });
    ix.addTemplate({ id: 'other', deployment: 'O' });
    const indexed = ix.add(target, 'other');
    const from = ix.add(view('here#I', 'I', { LaunchTemplate: { Ref: 'Lt' } }), 'here');
    expect(ix.resourceAt(from, ['LaunchTemplate'])).toBe(indexed);
  });

  test('gives up on a cycle of exports', () => {
    const ix = index();
    ix.addTemplate({ id: 'a', deployment: 'A' });
    ix.addExport('X', 'a', { 'Fn::ImportValue': 'X' });
    const v = ix.add(view('a#I', 'I', { LaunchTemplate: { 'Fn::ImportValue': 'X' } }), 'a');
    expect(ix.resourceAt(v, ['LaunchTemplate'])).toBeUndefined();
  });
});
