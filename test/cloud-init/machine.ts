/**
 * A simulated machine for network configuration tests: interfaces under <root>/sys/class/net
 * (read by server/system/interfaces.ts) with the MAC addresses the fixtures' tools wrote.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const MACHINE: Readonly<Record<string, string>> = {
  eth0: '00:15:5d:00:01:02', // Hyper-V's synthetic NIC keeps the kernel name
  ens18: 'bc:24:11:2a:3b:4c', // Proxmox VE's MAC prefix
  enp3s0: '52:54:00:ab:cd:ef',
  ens3: 'de:ad:be:ef:ca:fe', // netplan's vlan example
  ens4: '00:11:22:33:44:55', // cloud-init's v1 examples
  ens5: 'fa:16:3e:dd:50:9a', // OpenStack (cloud-init's test data)
  ens6: 'fa:16:3e:69:b0:58',
  ens7: '00:50:56:a1:b2:c3', // VMware
};

export async function makeMachine(root: string, names: readonly string[] = Object.keys(MACHINE)): Promise<void> {
  for (const name of names) {
    const dir = join(root, 'sys/class/net', name);
    await mkdir(join(dir, 'device'), { recursive: true });
    await writeFile(join(dir, 'address'), `${MACHINE[name]}\n`);
    await writeFile(join(dir, 'carrier'), '1\n');
    await writeFile(join(dir, 'operstate'), 'up\n');
  }
}
