/* test_devices.c — the pure device models: the 8259 pair, the 8254
 * channels, the ACPI tables.  Expected values come from the data sheets
 * and the ACPI specification, not from the code. */
#include "check.h"
#include "monitor/dev/dev.h"

/* the usual PC initialization: vectors 0x20/0x28, slave on IRQ 2, 8086 mode */
static void pic_init(struct dev_pic *p, uint8_t master_mask, uint8_t slave_mask)
{
    dev_pic_reset(p);
    dev_pic_write(p, 0, 0, 0x11); dev_pic_write(p, 1, 0, 0x11);
    dev_pic_write(p, 0, 1, 0x20); dev_pic_write(p, 1, 1, 0x28);
    dev_pic_write(p, 0, 1, 0x04); dev_pic_write(p, 1, 1, 0x02);
    dev_pic_write(p, 0, 1, 0x01); dev_pic_write(p, 1, 1, 0x01);
    dev_pic_write(p, 0, 1, master_mask); dev_pic_write(p, 1, 1, slave_mask);
}

TEST(pic_edge_priority_eoi)
{
    struct dev_pic p;
    int line;
    pic_init(&p, 0x00, 0x00);
    CHECK_EQ(dev_pic_read(&p, 0, 1), 0x00);             /* OCW1 reads back */
    CHECK(!dev_pic_intr(&p));
    dev_pic_set_irq(&p, 3, 1);
    dev_pic_set_irq(&p, 1, 1);
    CHECK(dev_pic_intr(&p));
    CHECK_EQ(dev_pic_read(&p, 0, 0), 0x0a);             /* IRR after reset: IRQ 1 and 3 */
    CHECK_EQ(dev_pic_ack(&p, &line), 0x21);             /* IRQ 1 first: higher priority */
    CHECK_EQ(line, 1);
    CHECK(!dev_pic_intr(&p));                           /* IRQ 3 waits: IRQ 1 in service */
    dev_pic_write(&p, 0, 0, 0x0b);                      /* OCW3: read ISR */
    CHECK_EQ(dev_pic_read(&p, 0, 0), 0x02);
    dev_pic_write(&p, 0, 0, 0x20);                      /* non-specific EOI */
    CHECK(dev_pic_intr(&p));
    CHECK_EQ(dev_pic_ack(&p, &line), 0x23);
    dev_pic_write(&p, 0, 0, 0x63);                      /* specific EOI for IRQ 3 */
    CHECK_EQ(dev_pic_read(&p, 0, 0), 0x00);             /* (still reading the ISR) */
    dev_pic_set_irq(&p, 1, 1);                          /* still high: no new edge */
    CHECK(!dev_pic_intr(&p));
    dev_pic_set_irq(&p, 1, 0);
    dev_pic_set_irq(&p, 1, 1);
    CHECK(dev_pic_intr(&p));
}

TEST(pic_mask_cascade_spurious)
{
    struct dev_pic p;
    int line;
    pic_init(&p, 0xfb, 0xff);                           /* only the cascade open */
    dev_pic_set_irq(&p, 10, 1);
    CHECK(!dev_pic_intr(&p));                           /* masked at the slave */
    dev_pic_write(&p, 1, 1, 0xfb);                      /* unmask IRQ 10 */
    CHECK(dev_pic_intr(&p));
    CHECK_EQ(dev_pic_ack(&p, &line), 0x2a);
    CHECK_EQ(line, 10);
    CHECK(dev_pic_line_open(&p, 10));
    CHECK(!dev_pic_line_open(&p, 0));
    dev_pic_write(&p, 0, 1, 0xff);                      /* the cascade masked too */
    CHECK(!dev_pic_line_open(&p, 10));
    CHECK_EQ(dev_pic_ack(&p, &line), 0x27);             /* nothing left: spurious IRQ 7 */
    CHECK_EQ(line, 7);
}

TEST(pic_level_aeoi_poll_rotate)
{
    struct dev_pic p;
    int line;
    pic_init(&p, 0x00, 0xff);
    p.m.elcr = 0x20;                                    /* IRQ 5 level-triggered */
    dev_pic_set_irq(&p, 5, 1);
    CHECK_EQ(dev_pic_ack(&p, &line), 0x25);
    dev_pic_write(&p, 0, 0, 0x20);
    CHECK(dev_pic_intr(&p));                            /* the line is still up */
    dev_pic_set_irq(&p, 5, 0);
    CHECK(!dev_pic_intr(&p));
    /* automatic EOI (ICW4 bit 1): nothing stays in service */
    dev_pic_reset(&p);
    dev_pic_write(&p, 0, 0, 0x11); dev_pic_write(&p, 0, 1, 0x08);
    dev_pic_write(&p, 0, 1, 0x04); dev_pic_write(&p, 0, 1, 0x03);
    dev_pic_set_irq(&p, 0, 1);
    CHECK_EQ(dev_pic_ack(&p, &line), 0x08);
    dev_pic_write(&p, 0, 0, 0x0b);
    CHECK_EQ(dev_pic_read(&p, 0, 0), 0x00);
    /* poll: the read acknowledges */
    dev_pic_set_irq(&p, 0, 0);
    dev_pic_set_irq(&p, 4, 1);
    dev_pic_write(&p, 0, 0, 0x0c);
    CHECK_EQ(dev_pic_read(&p, 0, 0), 0x84);
    CHECK(!dev_pic_intr(&p));
    /* set priority: IRQ 4 lowest, so IRQ 6 beats IRQ 2 */
    pic_init(&p, 0x00, 0xff);
    dev_pic_write(&p, 0, 0, 0xc4);
    dev_pic_set_irq(&p, 6, 1);
    dev_pic_set_irq(&p, 3, 1);
    CHECK_EQ(dev_pic_ack(&p, &line), 0x26);
}

TEST(pit_modes_and_access)
{
    struct dev_pit_channel ch[3];
    for (int i = 0; i < 3; i++)
        dev_pit_reset(&ch[i], 1);
    const uint64_t t0 = 1000000000ull;
    /* channel 0, LSB then MSB, mode 2, count 1193 (~1 kHz) */
    dev_pit_control(ch, 0x34, t0);
    CHECK_EQ(dev_pit_next_irq(&ch[0], t0), 0);          /* no count yet */
    dev_pit_write(&ch[0], 1193 & 0xff, t0);
    dev_pit_write(&ch[0], 1193 >> 8, t0);
    CHECK_EQ(dev_pit_count(&ch[0], t0), 1193);
    uint64_t irq = dev_pit_next_irq(&ch[0], t0);        /* one period: 1193 / 1193182 s */
    CHECK(irq > t0 + 999800 && irq < t0 + 1000100);
    CHECK(dev_pit_next_irq(&ch[0], irq) > irq + 999000); /* the next period */
    /* 500 us later about half counted down */
    uint16_t c = dev_pit_count(&ch[0], t0 + 500000);
    CHECK(c > 590 && c < 600);
    /* counter latch: the value holds while time goes on */
    dev_pit_control(ch, 0x00, t0 + 500000);
    uint8_t lo = dev_pit_read(&ch[0], t0 + 900000), hi = dev_pit_read(&ch[0], t0 + 900000);
    CHECK_EQ(lo | hi << 8, c);
    /* mode 0: one interrupt at the terminal count, OUT low before it */
    dev_pit_control(ch, 0x30, t0);
    dev_pit_write(&ch[0], 0x00, t0);
    dev_pit_write(&ch[0], 0x10, t0);                    /* 4096 ticks */
    CHECK(!dev_pit_out(&ch[0], t0));
    irq = dev_pit_next_irq(&ch[0], t0);
    CHECK(irq > t0 + 3432000 && irq < t0 + 3434000);
    CHECK(dev_pit_out(&ch[0], irq));
    CHECK_EQ(dev_pit_next_irq(&ch[0], irq), 0);
    /* read-back of channel 2's status: OUT, mode 3, LSB/MSB, then the count */
    dev_pit_control(ch, 0xb6, t0);
    dev_pit_write(&ch[2], 100, t0);
    dev_pit_write(&ch[2], 0, t0);
    dev_pit_control(ch, 0xc8, t0);                      /* read-back: count and status of channel 2 */
    CHECK_EQ(dev_pit_read(&ch[2], t0), 0x80 | 0x30 | 3 << 1);
    CHECK_EQ(dev_pit_read(&ch[2], t0), 100);
    CHECK_EQ(dev_pit_read(&ch[2], t0), 0);
    /* gate low stops counting (mode 0), high goes on */
    dev_pit_control(ch, 0xb0, t0);
    dev_pit_write(&ch[2], 0xff, t0);
    dev_pit_write(&ch[2], 0xff, t0);
    dev_pit_set_gate(&ch[2], 0, t0 + 1000000);
    uint16_t held = dev_pit_count(&ch[2], t0 + 5000000);
    CHECK_EQ(held, dev_pit_count(&ch[2], t0 + 1000000));
    dev_pit_set_gate(&ch[2], 1, t0 + 9000000);
    CHECK_EQ(dev_pit_count(&ch[2], t0 + 9000000), held);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

TEST(acpi_tables)
{
    uint8_t a[4096];
    const uint64_t base = 0xe0000;
    CHECK_EQ(dev_acpi_build(a, 100, base), 0);
    size_t n = dev_acpi_build(a, sizeof a, base);
    CHECK(n > 0 && n <= sizeof a);
    CHECK(!memcmp(a, "RSD PTR ", 8));
    CHECK_EQ(sum(a, 20), 0);                            /* ACPI 1.0 checksum */
    CHECK_EQ(a[15], 2);                                 /* revision 2: XSDT */
    CHECK_EQ(le32(a + 20), 36);
    CHECK_EQ(sum(a, 36), 0);                            /* extended checksum */
    const uint8_t *rsdt = a + (le32(a + 16) - base);
    CHECK(!memcmp(rsdt, "RSDT", 4));
    CHECK_EQ(sum(rsdt, le32(rsdt + 4)), 0);
    int have_fadt = 0, have_madt = 0;
    for (uint32_t off = 36; off < le32(rsdt + 4); off += 4) {
        const uint8_t *t = a + (le32(rsdt + off) - base);
        CHECK_EQ(sum(t, le32(t + 4)), 0);
        if (!memcmp(t, "FACP", 4)) {
            have_fadt = 1;
            CHECK_EQ(le32(t + 4), 244);
            CHECK_EQ(le32(t + 76), 0x608);              /* PM_TMR_BLK */
            CHECK_EQ(t[91], 4);                         /* PM_TMR_LEN */
            const uint8_t *facs = a + (le32(t + 36) - base);
            CHECK(!memcmp(facs, "FACS", 4));
            CHECK_EQ((le32(t + 36)) % 64, 0);           /* FACS is 64-byte aligned */
            const uint8_t *dsdt = a + (le32(t + 40) - base);
            CHECK(!memcmp(dsdt, "DSDT", 4));
            CHECK_EQ(sum(dsdt, le32(dsdt + 4)), 0);
        }
        if (!memcmp(t, "APIC", 4)) {
            have_madt = 1;
            CHECK_EQ(le32(t + 36), 0xfee00000);
            int lapic = 0, ioapic = 0, iso0 = 0;
            for (uint32_t e = 44; e < le32(t + 4); e += t[e + 1]) {
                CHECK(t[e + 1] >= 2);
                if (t[e] == 0) lapic = 1;
                if (t[e] == 1) ioapic = le32(t + e + 4) == 0xfec00000;
                if (t[e] == 2 && t[e + 3] == 0) iso0 = le32(t + e + 4) == 2;
                if (t[e + 1] < 2) break;
            }
            CHECK(lapic && ioapic && iso0);
        }
    }
    CHECK(have_fadt && have_madt);
}

int main(void)
{
    RUN(pic_edge_priority_eoi);
    RUN(pic_mask_cascade_spurious);
    RUN(pic_level_aeoi_poll_rotate);
    RUN(pit_modes_and_access);
    RUN(acpi_tables);
    CHECK_EXIT();
}
