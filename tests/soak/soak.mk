# make soak: the bounded chaos soak of build/okd (SOAK_TIME=seconds of chaos).

SOAK_OBJS	= $(B)/tests/soak.o $(B)/tests/soak_clients.o $(B)/tests/soak_proc.o \
		  $(B)/tests/soak_scenarios.o

$(B)/tests/soak.o: tests/soak/soak.c tests/soak/soak.h $(HDRS) | $(B)/tests
	$(CC) $(OKD_CPPFLAGS) $(PKG_CFLAGS) $(OKD_CFLAGS) $(CFLAGS) -Itests/lib -c -o $@ $<
$(B)/tests/soak_%.o: tests/soak/%.c tests/soak/soak.h $(HDRS) | $(B)/tests
	$(CC) $(OKD_CPPFLAGS) $(PKG_CFLAGS) $(OKD_CFLAGS) $(CFLAGS) -Itests/lib -c -o $@ $<

$(B)/tests/soak: $(SOAK_OBJS) $(TESTLIB)
	$(CC) $(OKD_CFLAGS) $(CFLAGS) $(OKD_LDFLAGS) $(LDFLAGS) -o $@ $^ -lpthread

soak: deps $(B)/okd $(B)/tests/soak
	timeout $$(( $${SOAK_TIME:-180} + 200 )) $(B)/tests/soak

.PHONY: soak
