import { groupName } from './kafka';

describe('consumer group names', () => {
  it('live under the topic prefix when there is one', () => {
    expect(groupName('bench123', 'clearing-finalized')).toBe('bench123.clearing-finalized');
    expect(groupName('', 'clearing-finalized')).toBe('clearing-finalized');
    expect(groupName(undefined, 'fx-requests')).toBe('fx-requests');
  });
});
