//! The log's behaviour: writes, reads, persistence bytes and convergence under any
//! interleaving of offline edits and merges.

use super::*;
use crate::identifiers::{Region, SchemeKey};
use crate::report::{
    AreaList, Consent, Description, IntakeContext, PoliceConsent, Reason, Report, ReportBody,
    ReportId, ReportInput, Status,
};
use proptest::prelude::*;
use std::collections::BTreeMap;

const AREAS: &str = include_str!("../../../../fixtures/areas.toml");
const REPORTS: &str = include_str!("../../../../fixtures/reports.json");

fn bodies() -> Vec<(ReportBody, Consent)> {
    let areas = AreaList::from_toml(AREAS).unwrap();
    let key = SchemeKey::from_bytes(b"mugsync-test-scheme-key-32bytes!").unwrap();
    let ctx = IntakeContext {
        key: &key,
        region: Region::gb(),
        areas: &areas,
    };
    let v: serde_json::Value = serde_json::from_str(REPORTS).unwrap();
    v["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let new = ReportInput::from_json(&r.to_string())
                .unwrap()
                .parse(&ctx)
                .unwrap();
            (new.body, new.consent)
        })
        .collect()
}

fn month_id(month: u8, n: u64) -> ReportId {
    let at = time::Date::from_calendar_date(2026, time::Month::try_from(month).unwrap(), 1)
        .unwrap()
        .midnight()
        .assume_utc()
        + time::Duration::seconds(n as i64);
    ReportId::minted_at(at)
}

#[test]
fn file_amend_withdraw_read_back() {
    let actor = DeviceActor::generate();
    let (body, consent) = bodies().remove(0);
    let id = month_id(10, 1);
    let mut p = LogPartition::new(PartitionKey::of(&id), &actor);
    let w = p.file(id, &body, consent).unwrap();
    assert_eq!(w.partition.as_str(), "2026-10");
    assert!(matches!(
        p.file(id, &body, consent),
        Err(LogError::Exists(_))
    ));
    let a = crate::report::Amendment {
        at: 5,
        note: Some(Description::parse("note", "seen again").unwrap()),
        phones: vec![],
        emails: vec![],
    };
    p.amend(&id, &a).unwrap();
    assert!(
        matches!(
            p.set_status(&id, Status::Verified, None),
            Err(LogError::Refused { .. })
        ),
        "a device does not verify"
    );
    p.verify_as_coordinator(&id).unwrap();
    let r = p.report(&id).unwrap().unwrap();
    assert_eq!(r.status, Status::Verified);
    assert_eq!(r.amendments, vec![a.clone()]);
    assert!(
        p.set_status(&id, Status::Withdrawn, None).is_err(),
        "withdrawal needs a reason"
    );
    p.set_status(
        &id,
        Status::Withdrawn,
        Some(&Reason::parse("r", "asked").unwrap()),
    )
    .unwrap();
    assert!(matches!(p.amend(&id, &a), Err(LogError::Withdrawn(_))));
    let other = month_id(9, 1);
    assert!(matches!(
        p.file(other, &body, consent),
        Err(LogError::WrongPartition { .. })
    ));
}

#[test]
fn writes_hand_out_only_new_bytes_and_reload_exactly() {
    let actor = DeviceActor::generate();
    let all = bodies();
    let key = PartitionKey::parse("2026-10").unwrap();
    let mut p = LogPartition::new(key.clone(), &actor);
    let mut chunks = Vec::new();
    for (i, (body, consent)) in all.iter().enumerate() {
        chunks.push(
            p.file(month_id(10, i as u64), body, *consent)
                .unwrap()
                .bytes,
        );
    }
    // Each chunk is a small increment, not the whole history.
    let first = chunks[0].len();
    assert!(
        chunks.last().unwrap().len() < first * 3,
        "chunks grow with history: {chunks:?}"
    );
    let reloaded = LogPartition::load(
        key.clone(),
        &actor,
        None,
        chunks.iter().map(|c| c.as_slice()),
    )
    .unwrap();
    assert_eq!(reloaded.reports().0, p.reports().0);
    // After load, the next write is again only the increment (the save_incremental gotcha).
    let mut reloaded = reloaded;
    let id = reloaded.reports().0[0].id;
    let w = reloaded
        .set_consent(
            &id,
            Consent {
                alert: false,
                police: PoliceConsent::None,
            },
        )
        .unwrap();
    assert!(w.bytes.len() < first, "{} vs {first}", w.bytes.len());
    let snap = p.save();
    let from_snap = LogPartition::load(key, &actor, Some(&snap), []).unwrap();
    assert_eq!(from_snap.reports().0, p.reports().0);
}

#[test]
fn damaged_bytes_change_nothing() {
    let actor = DeviceActor::generate();
    let (body, consent) = bodies().remove(0);
    let id = month_id(10, 1);
    let mut p = LogPartition::new(PartitionKey::of(&id), &actor);
    let bytes = p.file(id, &body, consent).unwrap().bytes;
    let heads = p.heads();
    let mut junk = bytes.clone();
    let mid = junk.len() / 2;
    junk[mid] ^= 0xff;
    assert!(p.merge_bytes(&junk).is_err() || p.heads() == heads);
    let _ = p.merge_bytes(b"not automerge at all");
    assert_eq!(p.heads(), heads);
}

#[test]
fn entries_outside_the_schema_are_set_apart() {
    use automerge::transaction::Transactable;
    let actor = DeviceActor::generate();
    let (body, consent) = bodies().remove(0);
    let id = month_id(10, 1);
    let mut p = LogPartition::new(PartitionKey::of(&id), &actor);
    p.file(id, &body, consent).unwrap();
    let obj = match automerge::ReadDoc::get(p.doc_mut(), automerge::ROOT, id.to_string()).unwrap() {
        Some((_, o)) => o,
        None => unreachable!(),
    };
    p.doc_mut()
        .put(&obj, "victim_name", "Sample Person")
        .unwrap();
    p.doc_mut().put(automerge::ROOT, "junk", 1).unwrap();
    p.doc_mut().commit();
    let (good, bad) = p.reports();
    assert!(good.is_empty());
    assert_eq!(bad.len(), 2);
}

#[derive(Debug, Clone)]
enum Op {
    File {
        device: usize,
        template: usize,
        month: u8,
    },
    Amend {
        device: usize,
        pick: usize,
        note: String,
    },
    Withdraw {
        device: usize,
        pick: usize,
    },
    Verify {
        device: usize,
        pick: usize,
    },
    Consent {
        device: usize,
        pick: usize,
        alert: bool,
        police: u8,
    },
    Sync {
        from: usize,
        to: usize,
        via_bytes: bool,
    },
}

const DEVICES: usize = 5;
const MONTHS: [u8; 2] = [9, 10];

fn op() -> impl Strategy<Value = Op> {
    let d = 0..DEVICES;
    prop_oneof![
        3 => (d.clone(), 0..6usize, 0..MONTHS.len()).prop_map(|(device, template, m)| Op::File { device, template, month: MONTHS[m] }),
        2 => (d.clone(), any::<usize>(), "[a-zé<>]{1,12}").prop_map(|(device, pick, note)| Op::Amend { device, pick, note }),
        1 => (d.clone(), any::<usize>()).prop_map(|(device, pick)| Op::Withdraw { device, pick }),
        1 => (d.clone(), any::<usize>()).prop_map(|(device, pick)| Op::Verify { device, pick }),
        1 => (d.clone(), any::<usize>(), any::<bool>(), 0..3u8).prop_map(|(device, pick, alert, police)| Op::Consent { device, pick, alert, police }),
        2 => (d.clone(), d, any::<bool>()).prop_map(|(from, to, via_bytes)| Op::Sync { from, to, via_bytes }),
    ]
}

struct Device {
    actor: DeviceActor,
    parts: BTreeMap<PartitionKey, LogPartition>,
}

impl Device {
    fn part(&mut self, key: &PartitionKey) -> &mut LogPartition {
        let actor = self.actor.clone();
        self.parts
            .entry(key.clone())
            .or_insert_with(|| LogPartition::new(key.clone(), &actor))
    }

    fn known(&self) -> Vec<ReportId> {
        self.parts
            .values()
            .flat_map(|p| p.reports().0.into_iter().map(|r| r.id))
            .collect()
    }

    fn state(&self) -> Vec<Report> {
        let mut all: Vec<Report> = self.parts.values().flat_map(|p| p.reports().0).collect();
        all.sort_by_key(|r| r.id);
        all
    }
}

fn sync(devices: &mut [Device], from: usize, to: usize, via_bytes: bool) {
    if from == to {
        return;
    }
    let keys: Vec<PartitionKey> = devices[from].parts.keys().cloned().collect();
    for key in keys {
        if via_bytes {
            let bytes = devices[from].parts.get_mut(&key).unwrap().doc_mut().save();
            devices[to].part(&key).merge_bytes(&bytes).unwrap();
        } else {
            let mut src = devices[from].parts.remove(&key).unwrap();
            devices[to].part(&key).merge(&mut src).unwrap();
            devices[from].parts.insert(key, src);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, max_shrink_iters: 200, ..ProptestConfig::default() })]

    /// Any interleaving of offline edits on 5 devices, merged in any order, any number of
    /// times, converges: every device ends with the same reports, statuses and consent.
    #[test]
    fn any_interleaving_converges(ops in proptest::collection::vec(op(), 1..60), order in Just(()).prop_perturb(|_, mut rng| {
        let mut pairs: Vec<(usize, usize)> = (0..DEVICES).flat_map(|a| (0..DEVICES).map(move |b| (a, b))).collect();
        for i in (1..pairs.len()).rev() {
            let j = (rng.next_u32() as usize) % (i + 1);
            pairs.swap(i, j);
        }
        pairs
    })) {
        let templates = bodies();
        let mut devices: Vec<Device> = (0..DEVICES).map(|_| Device { actor: DeviceActor::generate(), parts: BTreeMap::new() }).collect();
        let mut counter = 0u64;
        for op in ops {
            match op {
                Op::File { device, template, month } => {
                    counter += 1;
                    let id = month_id(month, counter);
                    let (body, consent) = &templates[template];
                    devices[device].part(&PartitionKey::of(&id)).file(id, body, *consent).unwrap();
                }
                Op::Amend { device, pick, note } => {
                    let known = devices[device].known();
                    if known.is_empty() { continue; }
                    let id = known[pick % known.len()];
                    let a = crate::report::Amendment { at: counter as i64, note: Some(Description::parse("n", &note).unwrap()), phones: vec![], emails: vec![] };
                    match devices[device].part(&PartitionKey::of(&id)).amend(&id, &a) {
                        Ok(_) | Err(LogError::Withdrawn(_)) => {}
                        Err(e) => panic!("{e}"),
                    }
                }
                Op::Withdraw { device, pick } => {
                    let known = devices[device].known();
                    if known.is_empty() { continue; }
                    let id = known[pick % known.len()];
                    devices[device].part(&PartitionKey::of(&id)).set_status(&id, Status::Withdrawn, Some(&Reason::parse("r", "asked").unwrap())).unwrap();
                }
                Op::Verify { device, pick } => {
                    let known = devices[device].known();
                    if known.is_empty() { continue; }
                    let id = known[pick % known.len()];
                    // Only a coordinator verifies: a device is refused, and nothing is written.
                    let part = devices[device].part(&PartitionKey::of(&id));
                    let heads = part.heads();
                    let refused = matches!(part.set_status(&id, Status::Verified, None), Err(LogError::Refused { .. }));
                    prop_assert!(refused, "a device verified a report");
                    prop_assert_eq!(part.heads(), heads);
                }
                Op::Consent { device, pick, alert, police } => {
                    let known = devices[device].known();
                    if known.is_empty() { continue; }
                    let id = known[pick % known.len()];
                    let police = PoliceConsent::ALL[police as usize];
                    // Raising consent on another device's report, or changing a withdrawn
                    // one, is refused locally by the same rules the relay applies.
                    match devices[device].part(&PartitionKey::of(&id)).set_consent(&id, Consent { alert, police }) {
                        Ok(_) | Err(LogError::Refused { .. }) => {}
                        Err(e) => panic!("{e}"),
                    }
                }
                Op::Sync { from, to, via_bytes } => sync(&mut devices, from, to, via_bytes),
            }
        }
        // Two rounds of pairwise merges in a random order reach everyone.
        for round in 0..2 {
            for (i, &(a, b)) in order.iter().enumerate() {
                sync(&mut devices, a, b, (i + round) % 2 == 0);
            }
        }
        let reference = devices[0].state();
        prop_assert_eq!(reference.len(), counter as usize, "a filed report went missing");
        // The relay's intake takes every change an honest device made: the local rules
        // and the intake's agree.
        let mut relay: BTreeMap<PartitionKey, LogPartition> = BTreeMap::new();
        let relay_actor = DeviceActor::generate();
        loop {
            let mut progress = false;
            for d in devices.iter_mut() {
                let actor = d.actor.clone();
                for (key, part) in d.parts.iter_mut() {
                    let r = relay.entry(key.clone()).or_insert_with(|| LogPartition::new(key.clone(), &relay_actor));
                    let bytes = part.doc_mut().save_after(&r.heads());
                    let own = own_changes(&bytes, &actor);
                    if own.is_empty() { continue; }
                    let intake = r.accept_remote(&own, &actor).unwrap();
                    prop_assert!(intake.rejected.is_empty(), "an honest change was refused: {:?}", intake.rejected);
                    progress |= intake.accepted_changes > 0;
                }
            }
            if !progress { break; }
        }
        let mut relay_state: Vec<Report> = relay.values().flat_map(|p| p.reports().0).collect();
        relay_state.sort_by_key(|r| r.id);
        prop_assert_eq!(&relay_state, &reference);
        for d in &devices[1..] {
            prop_assert_eq!(&d.state(), &reference);
        }
        // Merging again changes nothing.
        sync(&mut devices, 1, 0, true);
        prop_assert_eq!(devices[0].state(), reference);
    }
}

#[test]
fn relay_intake_keeps_good_changes_and_refuses_forbidden_ones() {
    use automerge::transaction::Transactable;
    let all = bodies();
    let id1 = month_id(10, 1);
    let id2 = month_id(10, 2);
    let key = PartitionKey::of(&id1);
    let mut relay = LogPartition::new(key.clone(), &DeviceActor::generate());
    let dev_actor = DeviceActor::generate();
    let mut device = LogPartition::new(key.clone(), &dev_actor);

    // An honest report is accepted whole.
    let w = device.file(id1, &all[0].0, all[0].1).unwrap();
    let intake = relay.accept_remote(&w.bytes, &dev_actor).unwrap();
    assert_eq!(intake.accepted.into_iter().collect::<Vec<_>>(), vec![id1]);
    assert!(intake.rejected.is_empty());

    // A buggy device writes a victim field into a report, then files another report on top.
    let obj = match automerge::ReadDoc::get(device.doc_mut(), automerge::ROOT, id1.to_string())
        .unwrap()
    {
        Some((_, o)) => o,
        None => unreachable!(),
    };
    device
        .doc_mut()
        .put(&obj, "victim_name", "Sample Person A")
        .unwrap();
    device.doc_mut().commit();
    let bad = device.take_unpersisted().unwrap();
    let later = device.file(id2, &all[1].0, all[1].1).unwrap();
    let mut both = bad.bytes.clone();
    both.extend(&later.bytes);
    let before = relay.heads();
    let intake = relay.accept_remote(&both, &dev_actor).unwrap();
    assert_eq!(intake.rejected.len(), 2, "{intake:?}");
    assert!(
        intake.rejected[0].reason.contains("victim_name"),
        "{:?}",
        intake.rejected[0]
    );
    assert!(intake.rejected[1]
        .reason
        .contains("builds on a refused change"));
    assert_eq!(
        relay.heads(),
        before,
        "nothing rejected may join the relay's copy"
    );
    assert!(relay.reports().1.is_empty());

    // A change to an immutable body is refused.
    let honest_actor = DeviceActor::generate();
    let mut honest = LogPartition::new(key.clone(), &honest_actor);
    honest.merge_bytes(&relay.save()).unwrap();
    let obj = match automerge::ReadDoc::get(honest.doc_mut(), automerge::ROOT, id1.to_string())
        .unwrap()
    {
        Some((_, o)) => o,
        None => unreachable!(),
    };
    let mut body = serde_json::to_value(&all[0].0).unwrap();
    body["narrative"] = serde_json::json!("rewritten");
    honest
        .doc_mut()
        .put(&obj, layout::BODY, body.to_string())
        .unwrap();
    honest.doc_mut().commit();
    let intake = relay
        .accept_remote(&honest.take_unpersisted().unwrap().bytes, &honest_actor)
        .unwrap();
    assert!(
        intake.rejected[0].reason.contains("cannot change"),
        "{intake:?}"
    );

    // Changes whose dependencies the relay lacks are flagged for a resend, not applied.
    let dev2_actor = DeviceActor::generate();
    let mut dev2 = LogPartition::new(key, &dev2_actor);
    dev2.file(month_id(10, 3), &all[2].0, all[2].1).unwrap();
    let second = dev2.file(month_id(10, 4), &all[3].0, all[3].1).unwrap();
    let intake = relay.accept_remote(&second.bytes, &dev2_actor).unwrap();
    assert!(intake.missing_deps);
    assert!(intake.accepted.is_empty());
}

/// Only `actor`'s changes out of `bytes`, as a device pushes them.
fn own_changes(bytes: &[u8], actor: &DeviceActor) -> Vec<u8> {
    super::chunks::decode_changes(bytes)
        .unwrap()
        .into_iter()
        .filter(|c| c.actor_id() == actor.actor_id())
        .flat_map(|c| c.raw_bytes().to_vec())
        .collect()
}
