#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inside a guest of kernels/cluster.sh (the host's root, read-only, under a
# tmpfs overlay; the run's work share at /run/faultline).
#   cluster-guest.sh boot        PID 1: network, sshd; node0 then leads
#   cluster-guest.sh fs-join     this guest joins the filesystem's cluster
#   cluster-guest.sh fs-make     node0: make the filesystem (or serve it)
#   cluster-guest.sh fs-mount    mount it at /mnt/shared (and its views)
#   cluster-guest.sh fs-umount   unmount it
#   cluster-guest.sh power-off   power this guest off now
# node0 runs the fs-* steps on every guest over ssh, runs the commands,
# and powers the cluster off. Lines starting FAULTLINE- on node0's console
# are what kernels/cluster.sh reads.
set -u
work=/run/faultline
. $work/cluster.env
shared=/mnt/shared
cluster_name=faultline

off() {	# power off now: no init system to ask
	sync
	echo 1 >/proc/sys/kernel/sysrq
	echo o >/proc/sysrq-trigger
	sleep 10
}
fail() {
	echo "FAULTLINE-$1 $(hostname): ${*:2}" >&2
	exit 1
}
on_all() {	# on_all STEP: run a step on every guest, node0 first
	local k
	for ((k = 0; k < HOSTS; k++)); do
		ssh node$k "$TREE/kernels/cluster-guest.sh" "$1" || return 1
	done
}

boot() {
	mount -t proc proc /proc && mount -t sysfs sysfs /sys && mount -t devtmpfs dev /dev
	mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts && mount -t tmpfs shm /dev/shm
	node=$(sed -n 's/.*fl\.node=\([0-9]*\).*/\1/p' /proc/cmdline)
	exec >/dev/console 2>&1
	# modprobe finds the variant's modules where the host keeps them.
	mkdir -p "/lib/modules/$(uname -r)" && mount --bind "$KMODS" "/lib/modules/$(uname -r)"
	hostname "node$node" && echo "node$node" >/etc/hostname
	{
		echo "127.0.0.1 localhost"
		for ((k = 0; k < HOSTS; k++)); do
			a=ADDR_$k
			echo "${!a} node$k"
		done
	} >/etc/hosts
	a=ADDR_$node
	ip link set lo up && ip addr add "${!a}/24" dev eth0 && ip link set eth0 up ||
		{ echo "FAULTLINE-NODE-FAILED node$node: no eth0 for ${!a}"; off; }
	# ssh as root between the guests, with the run's own keys.
	mkdir -p /root/.ssh /run/sshd && chmod 700 /root/.ssh
	cp $work/id.pub /root/.ssh/authorized_keys
	cat >/root/.ssh/config <<-EOF
	Host *
		IdentityFile $work/id
		StrictHostKeyChecking no
		UserKnownHostsFile /dev/null
		LogLevel ERROR
		ConnectTimeout 30
	EOF
	cat >/run/sshd_config <<-EOF
	HostKey $work/host_key
	PermitRootLogin prohibit-password
	PasswordAuthentication no
	UsePAM no
	StrictModes no
	PidFile /run/sshd.pid
	EOF
	/usr/sbin/sshd -f /run/sshd_config || { echo "FAULTLINE-NODE-FAILED node$node: sshd did not start"; off; }
	echo "FAULTLINE-NODE-UP node$node uptime=$(cut -d' ' -f1 /proc/uptime)" \
		"used_kib=$(awk '/MemTotal/ { t = $2 } /MemAvailable/ { a = $2 } END { print t - a }' /proc/meminfo)"
	if [ "$node" = 0 ]; then
		lead
		off
	fi
	# The others wait for node0 to power them off; PID 1 must not exit.
	while :; do wait; sleep 60; done
}

# node0: bring the filesystem up everywhere, run the commands, bring it
# down, power everyone off.
lead() {
	local k t i=0 args code
	for ((k = 1; k < HOSTS; k++)); do
		for ((t = 0; t < 300; t++)); do
			ssh node$k true 2>/dev/null && break
			sleep 1
		done
		[ $t -lt 300 ] || { echo "FAULTLINE-NODE-FAILED node$k: no ssh in 300 s"; return; }
	done
	echo "FAULTLINE-FS ${FS} setting up"
	on_all fs-join && "$TREE/kernels/cluster-guest.sh" fs-make && on_all fs-mount ||
		{ echo "FAULTLINE-FS-FAILED ${FS}: could not set it up"; return; }
	echo "FAULTLINE-FS ${FS} up at $(cut -d' ' -f1 /proc/uptime) s"
	for ((k = 0; k < HOSTS; k++)); do echo "node$k slots=$CPUS"; done >/run/hostfile
	export HOSTFILE=/run/hostfile SHARED=$shared VIEWS= RESULTS=$work/results
	[ "$FS" = nfs-nosharecache ] && VIEWS=/mnt/view1
	# OpenMPI: ranks talk over the cluster's own segment only.
	export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=eth0 \
		OMPI_MCA_oob_tcp_if_include=eth0 FAULTLINE_VARIANT=$VARIANT FAULTLINE_ACCEL=tcg
	while read -r args; do
		echo "FAULTLINE-CMD $i BEGIN faultline $args"
		(cd /tmp && eval "$TREE/build/faultline $args")
		code=$?
		echo "FAULTLINE-CMD $i EXIT $code"
		i=$((i + 1))
	done <$work/cmds
	sync
	for ((k = HOSTS - 1; k >= 0; k--)); do
		ssh node$k "$TREE/kernels/cluster-guest.sh" fs-umount ||
			echo "FAULTLINE-FS-FAILED ${FS}: node$k could not unmount it"
	done
	for ((k = 1; k < HOSTS; k++)); do
		ssh node$k "$TREE/kernels/cluster-guest.sh" power-off &
	done
	sleep 2
	echo FAULTLINE-DONE
}

# OCFS2 on the o2cb stack: every guest a node of one cluster, local
# heartbeat on the shared disk.
ocfs2_join() {
	modprobe -a configfs ocfs2_stack_o2cb ocfs2_dlmfs ocfs2 || fail FS-FAILED "modprobe ocfs2"
	mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
	mkdir -p /etc/ocfs2 /dlm
	mountpoint -q /dlm || mount -t ocfs2_dlmfs ocfs2_dlmfs /dlm || fail FS-FAILED "mount dlmfs"
	{
		printf 'cluster:\n\tnode_count = %d\n\tname = %s\n\theartbeat_mode = local\n\n' \
			"$HOSTS" $cluster_name
		for ((k = 0; k < HOSTS; k++)); do
			a=ADDR_$k
			printf 'node:\n\tip_port = 7777\n\tip_address = %s\n\tnumber = %d\n\tname = node%d\n\tcluster = %s\n\n' \
				"${!a}" $k $k $cluster_name
		done
	} >/etc/ocfs2/cluster.conf
	o2cb register-cluster $cluster_name || fail FS-FAILED "o2cb register-cluster"
}

nfs_serve() {
	mkfs.ext4 -q -F /dev/vda && mkdir -p /export && mount /dev/vda /export &&
		chmod 1777 /export || fail FS-FAILED "ext4 for the export"
	modprobe -a nfsd nfsv4 nfsv3 && mount -t nfsd nfsd /proc/fs/nfsd || fail FS-FAILED "nfsd"
	mkdir -p /run/rpcbind /var/lib/nfs/rpc_pipefs /var/lib/nfs/v4recovery
	# The export is NFSv4's root: the guest's own root is an overlay,
	# which nfsd cannot walk through as a pseudo-root.
	echo "/export *(rw,sync,no_root_squash,no_subtree_check,insecure,fsid=0)" >/etc/exports
	rpcbind && exportfs -ra && rpc.mountd && rpc.nfsd 4 || fail FS-FAILED "the NFS server"
}

# NFS v4.2 unless --mount-options says another version; v3 without lockd,
# which the guests do not run. v4's OPEN fetches attributes at every open,
# so nocto loosens only v3.
nfs_mount() {	# nfs_mount DIR [OPTIONS]
	local opts=${2:+$2,}$MOUNT_OPTIONS path=/
	# v4 sees the export as its root (fsid=0); v3 by its path.
	if [[ ,$MOUNT_OPTIONS, == *,vers=3,* ]]; then
		opts+=,nolock path=/export
	elif [[ ,$MOUNT_OPTIONS, != *,vers=* ]]; then
		opts+=,vers=4.2
	fi
	opts=${opts#,}
	mkdir -p "$1"
	mount -t nfs -o "$opts" "node0:$path" "$1" || fail FS-FAILED "mount node0:$path (-o $opts) at $1"
}

case ${1:-} in
boot) boot ;;
fs-join)
	case $FS in
	ocfs2) ocfs2_join ;;
	nfs*) modprobe -a nfsv4 || fail FS-FAILED "modprobe nfsv4" ;;
	esac ;;
fs-make)
	case $FS in
	ocfs2)
		mkfs.ocfs2 -q -F -N "$((HOSTS > 4 ? HOSTS : 4))" -b 4K -C 4K -J size=16M -L faultline \
			--cluster-stack=o2cb --cluster-name=$cluster_name /dev/vda ||
			fail FS-FAILED "mkfs.ocfs2" ;;
	nfs*) nfs_serve ;;
	esac ;;
fs-mount)
	case $FS in
	ocfs2) mkdir -p $shared && mount -t ocfs2 /dev/vda $shared || fail FS-FAILED "mount ocfs2" ;;
	nfs) nfs_mount $shared ;;
	nfs-nosharecache) nfs_mount $shared nosharecache && nfs_mount /mnt/view1 nosharecache ;;
	esac ;;
fs-umount)
	umount /mnt/view1 2>/dev/null
	umount $shared ;;
power-off) off ;;
*) echo "usage: cluster-guest.sh boot|fs-join|fs-make|fs-mount|fs-umount|power-off" >&2; exit 2 ;;
esac
