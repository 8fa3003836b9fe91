// Turn CloudFormation intrinsics in a synthesized template into plain text with readable
// placeholders (`{Ref: X}` → `X`, `${AWS::Region}` → `AWS::Region`), so that generated
// scripts and JSON documents can be linted and parsed as they will be on an instance.

/** `value` with every intrinsic replaced by placeholder text, recursively. */
export function flattenIntrinsics(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(flattenIntrinsics);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return intrinsicText(keys[0], record[keys[0]]);
  return Object.fromEntries(keys.map(k => [k, flattenIntrinsics(record[k])]));
}

function intrinsicText(fn: string, arg: unknown): string {
  switch (fn) {
    case 'Ref': return placeholder(String(arg));
    case 'Fn::GetAtt': return placeholder((arg as string[]).join('.'));
    case 'Fn::Join': {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.map(p => String(flattenIntrinsics(p))).join(separator);
    }
    case 'Fn::Sub': {
      const text = Array.isArray(arg) ? String(arg[0]) : String(arg);
      return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => placeholder(name));
    }
    case 'Fn::Select': {
      const [index, list] = arg as [number, unknown];
      const items = flattenIntrinsics(list);
      return Array.isArray(items) ? String(items[index]) : `${placeholder('Select')}${index}`;
    }
    case 'Fn::Split': {
      const [separator, text] = arg as [string, unknown];
      return String(flattenIntrinsics(text)).split(separator) as unknown as string;
    }
    default: return placeholder(fn.replace('Fn::', ''));
  }
}

/** Pseudo parameters and logical ids as letters and digits only (`AWS::Region` → `AWSRegion`). */
function placeholder(name: string): string {
  return name.replace(/[^A-Za-z0-9.]/g, '');
}
