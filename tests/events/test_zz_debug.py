from app.events.service import EventService
async def test_debug(settings):
    e = EventService(settings); await e.connect()
    W = await e.projection_watermark(); L = await e.last_seq()
    n = 0; last = None; pend = []
    async for ev in e.replay("hub.>", after_seq=W, up_to_seq=L):
        n += 1; last = ev.seq
    print("DBG", W, L, n, last)
    from nats.js import api
    info = await e.js._jsm.add_consumer(settings.events_stream, config=api.ConsumerConfig(filter_subject="hub.>", ack_policy=api.AckPolicy.NONE, deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=W+1, mem_storage=True, inactive_threshold=10.0))
    print("DBG info", info.num_pending)
    sub = await e.js.pull_subscribe_bind(durable=info.name, stream=settings.events_stream)
    for _ in range(8):
        msgs = await sub.fetch(1000, timeout=5)
        print("DBG fetch", len(msgs), msgs[0].metadata.sequence.stream, msgs[-1].metadata.sequence.stream, [m.metadata.num_pending for m in msgs[-3:]])
    await e.close()
